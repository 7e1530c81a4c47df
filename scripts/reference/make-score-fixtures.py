#!/usr/bin/python3
"""Makes the committed scoring fixtures (PNG pairs) and their reference scores.

Run with Debian's python3-opencv and python3-skimage (`/usr/bin/python3`); the tests only read
the PNGs and reference.json this writes, so they never need Python.
"""
import json, os, sys
import cv2
import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

DATA = '/usr/lib/python3/dist-packages/skimage/data'
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'pairs')


def orb_sim(a_grey, b_grey):
    """The original bench's orb_sim, on already-grey arrays, and the keypoints found in a.

    Where a (the original) has no keypoints the original scored 0; the score is None (undefined) here,
    as upscale-bench writes it. Keypoints in a but none in b still score 0.
    """
    orb = cv2.ORB_create()
    ka, da = orb.detectAndCompute(a_grey, None)
    _, db = orb.detectAndCompute(b_grey, None)
    if da is None:
        return None, len(ka)
    if db is None:
        return 0.0, len(ka)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    if len(matches) == 0:
        return 0.0, len(ka)
    return len([m for m in matches if m.distance < 50]) / len(matches), len(ka)


def json_number(x):
    x = float(x)
    return 'inf' if np.isinf(x) else x


def crop(name, y, x, h, w):
    im = cv2.imread(os.path.join(DATA, name), cv2.IMREAD_COLOR)
    return np.ascontiguousarray(im[y:y + h, x:x + w])


def down_up(im, f, down=cv2.INTER_AREA, up=cv2.INTER_CUBIC):
    h, w = im.shape[:2]
    small = cv2.resize(im, (w // f, h // f), interpolation=down)
    return cv2.resize(small, (w, h), interpolation=up)


def jpeg(im, q):
    ok, buf = cv2.imencode('.jpg', im, [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def noisy(im, sigma, seed=7):
    rng = np.random.default_rng(seed)
    return np.clip(im.astype(np.float64) + rng.normal(0, sigma, im.shape), 0, 255).astype(np.uint8)


def sky(h, w):
    """A smooth sky: a vertical blue gradient with a soft, wide cloud; too smooth for ORB's FAST corners."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    t = y / (h - 1)
    cloud = 40 * np.exp(-(((x - 0.6 * w) / (0.35 * w)) ** 2 + ((y - 0.3 * h) / (0.25 * h)) ** 2))
    bgr = np.stack([235 - 60 * t + cloud * 0.3, 190 - 70 * t + cloud * 0.8, 140 - 80 * t + cloud], axis=-1)
    return np.clip(np.rint(bgr), 0, 255).astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    astro = crop('astronaut.png', 0, 128, 320, 320)
    chelsea = crop('chelsea.png', 20, 60, 256, 320)
    coffee = crop('coffee.png', 40, 100, 300, 360)
    rocket = crop('rocket.jpg', 60, 160, 300, 300)
    moto = crop('motorcycle_left.png', 100, 200, 288, 384)
    flat = np.full((64, 96, 3), (40, 120, 200), np.uint8)
    pairs = {
        'astronaut-x2-cubic': (astro, down_up(astro, 2)),
        'astronaut-x4-cubic': (astro, down_up(astro, 4)),
        'chelsea-x4-linear': (chelsea, down_up(chelsea, 4, up=cv2.INTER_LINEAR)),
        'chelsea-jpeg-q15': (chelsea, jpeg(chelsea, 15)),
        'coffee-x3-lanczos': (coffee, down_up(coffee, 3, up=cv2.INTER_LANCZOS4)),
        'coffee-noise-12': (coffee, noisy(coffee, 12)),
        'rocket-x4-nearest': (rocket, down_up(rocket, 4, down=cv2.INTER_NEAREST, up=cv2.INTER_NEAREST)),
        'rocket-identical': (rocket, rocket.copy()),
        'motorcycle-x8-cubic': (moto, down_up(moto, 8)),
        'astronaut-vs-rocket': (cv2.resize(astro, (300, 300), interpolation=cv2.INTER_AREA), rocket),
        'flat-vs-flat-noise': (flat, noisy(flat, 3)),
        'sky-identical': (sky(240, 360), sky(240, 360)),
        'sky-x2-cubic': (sky(240, 360), down_up(sky(240, 360), 2)),
        'rocket-vs-flat': (rocket, np.full_like(rocket, 128)),
    }
    ref = {}
    for name, (a, b) in pairs.items():
        pa, pb = f'{name}.a.png', f'{name}.b.png'
        cv2.imwrite(os.path.join(OUT, pa), a)
        cv2.imwrite(os.path.join(OUT, pb), b)
        # Re-read exactly as a user's files would be read: colour, then OpenCV's RGB→grey.
        ra = cv2.imread(os.path.join(OUT, pa), cv2.IMREAD_COLOR)
        rb = cv2.imread(os.path.join(OUT, pb), cv2.IMREAD_COLOR)
        ga = cv2.cvtColor(ra, cv2.COLOR_BGR2GRAY)
        gb = cv2.cvtColor(rb, cv2.COLOR_BGR2GRAY)
        orb, keypoints = orb_sim(ga, gb)
        ref[name] = {
            'a': pa,
            'b': pb,
            'orb': orb,
            'orb_keypoints': keypoints,
            'psnr': json_number(peak_signal_noise_ratio(ra, rb, data_range=255)),
            'ssim': float(structural_similarity(ga, gb, gaussian_weights=True, sigma=1.5,
                                                use_sample_covariance=False, data_range=255)),
        }
        print(name, ref[name]['orb'], ref[name]['psnr'], ref[name]['ssim'])
    ref['_generator'] = f'opencv {cv2.__version__}, scikit-image (see scripts/reference/make-score-fixtures.py)'
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=2, allow_nan=True)


if __name__ == '__main__':
    sys.exit(main())
