import { createRequire } from 'node:module';

/**
 * The original bench's orb_sim: ORB with OpenCV's defaults on both grey images, brute-force Hamming
 * matching with cross-check, and the share of matches closer than 50. Where that share is 0/0 (no
 * keypoints in an image, or no matches) the score is undefined, not 0: the Python version scored such a
 * pair 0, so an identical smooth sky pulled a run's mean ORB down as if nothing matched.
 */
export const ORB_MATCH_DISTANCE = 50;

/** The score, or null and why; with the keypoints found in the original, so a reader can see how much it rests on. */
export type OrbResult = { score: number; keypoints: number; undefinedBecause: null } | { score: null; keypoints: number; undefinedBecause: string };

// opencv-wasm is a CommonJS module that instantiates its wasm synchronously on first require.
let cvCache: any;
function cv(): any {
  if (!cvCache) cvCache = createRequire(import.meta.url)('opencv-wasm').cv;
  return cvCache;
}

/** Instantiates the wasm module now (~0.1–0.3 s), e.g. in a scoring thread while the first image upscales. */
export function loadOrb(): void {
  cv();
}

/** ORB's default edgeThreshold: no keypoint lies closer to the border, so smaller images have none. */
const ORB_EDGE = 31;

const undefinedOrb = (keypoints: number, undefinedBecause: string): OrbResult => ({ score: null, keypoints, undefinedBecause });

/** `a` is the original, `b` the candidate, both grey and the same size. */
export function orbSimilarity(a: Uint8Array, b: Uint8Array, width: number, height: number): OrbResult {
  if (width <= 2 * ORB_EDGE || height <= 2 * ORB_EDGE) return undefinedOrb(0, `image under ${2 * ORB_EDGE + 1}×${2 * ORB_EDGE + 1}, too small for keypoints`);
  const c = cv();
  const owned: { delete(): void }[] = [];
  const own = <T extends { delete(): void }>(x: T): T => (owned.push(x), x);
  try {
    const matA = own(matFromGrey(c, a, width, height));
    const matB = own(matFromGrey(c, b, width, height));
    const orb = own(new c.ORB());
    const none = own(new c.Mat());
    const kpA = own(new c.KeyPointVector());
    const kpB = own(new c.KeyPointVector());
    const descA = own(new c.Mat());
    const descB = own(new c.Mat());
    orb.detectAndCompute(matA, none, kpA, descA);
    orb.detectAndCompute(matB, none, kpB, descB);
    const keypoints = kpA.size();
    if (descA.rows === 0) return undefinedOrb(keypoints, 'no keypoints in the original, too smooth or low in contrast');
    if (descB.rows === 0) return undefinedOrb(keypoints, 'no keypoints in the candidate');
    const matcher = own(new c.BFMatcher(c.NORM_HAMMING, true));
    const matches = own(new c.DMatchVector());
    matcher.match(descA, descB, matches);
    const n = matches.size();
    if (n === 0) return undefinedOrb(keypoints, 'no keypoint matches');
    let close = 0;
    for (let i = 0; i < n; i++) if (matches.get(i).distance < ORB_MATCH_DISTANCE) close++;
    return { score: close / n, keypoints, undefinedBecause: null };
  } finally {
    for (const x of owned.reverse()) x.delete();
  }
}

function matFromGrey(c: any, grey: Uint8Array, width: number, height: number): any {
  const mat = new c.Mat(height, width, c.CV_8UC1);
  mat.data.set(grey);
  return mat;
}
