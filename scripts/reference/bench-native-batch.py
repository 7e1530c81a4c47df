#!/usr/bin/python3
"""The bicubic x4 batch done natively, for bench:perf's `batch` row: per image, ÷4 with Lanczos, stored in its own
format, decoded, bicubic back to full size, the upscaled PNG written, and scored: OpenCV ORB, scikit-image SSIM and
PSNR (as bench-native-score.py), and with a SSIMULACRA2 command (libjxl's tool: `CMD original.png upscaled.png`)
when one is given. One process per core, as the app's pipeline uses every core.

  bench-native-batch.py FOLDER OUT PROCESSES [SSIMULACRA2-COMMAND...]
"""
import json, os, subprocess, sys, time
from multiprocessing import Pool
import cv2
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

folder, out, processes, tool = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]


def one(name):
    a = cv2.imread(os.path.join(folder, name), cv2.IMREAD_COLOR)
    h, w = a.shape[:2]
    small = cv2.resize(a, (max(1, round(w / 4)), max(1, round(h / 4))), interpolation=cv2.INTER_LANCZOS4)
    ext = '.jpg' if name.lower().endswith(('.jpg', '.jpeg')) else '.png'
    stored = cv2.imdecode(cv2.imencode(ext, small)[1], cv2.IMREAD_COLOR)
    b = cv2.resize(stored, (w, h), interpolation=cv2.INTER_CUBIC)
    dest = os.path.join(out, name + '.png')
    cv2.imwrite(dest, b)
    ga = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)
    gb = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY)
    orb = cv2.ORB_create()
    _, da = orb.detectAndCompute(ga, None)
    _, db = orb.detectAndCompute(gb, None)
    if da is not None and db is not None:
        cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    structural_similarity(ga, gb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    peak_signal_noise_ratio(a, b, data_range=255)
    if tool:
        subprocess.run([*tool, os.path.join(folder, name), dest], check=True, capture_output=True)


if __name__ == '__main__':
    os.makedirs(out, exist_ok=True)
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(('.png', '.jpg', '.jpeg')))
    t0 = time.perf_counter()
    with Pool(processes) as pool:
        pool.map(one, names, chunksize=1)
    sec = time.perf_counter() - t0
    print(json.dumps({'images': len(names), 'seconds': sec, 'images_per_s': len(names) / sec}))
