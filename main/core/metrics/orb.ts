import { createRequire } from 'node:module';

/**
 * The original bench's orb_sim: ORB with OpenCV's defaults on both grey images, brute-force Hamming
 * matching with cross-check, and the share of matches closer than 50. No descriptors or no matches
 * score 0 (where the Python version would have crashed or divided by zero).
 */
export const ORB_MATCH_DISTANCE = 50;

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

export function orbSimilarity(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  if (width <= 2 * ORB_EDGE || height <= 2 * ORB_EDGE) return 0;
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
    if (descA.rows === 0 || descB.rows === 0) return 0;
    const matcher = own(new c.BFMatcher(c.NORM_HAMMING, true));
    const matches = own(new c.DMatchVector());
    matcher.match(descA, descB, matches);
    const n = matches.size();
    if (n === 0) return 0;
    let close = 0;
    for (let i = 0; i < n; i++) if (matches.get(i).distance < ORB_MATCH_DISTANCE) close++;
    return close / n;
  } finally {
    for (const x of owned.reverse()) x.delete();
  }
}

function matFromGrey(c: any, grey: Uint8Array, width: number, height: number): any {
  const mat = new c.Mat(height, width, c.CV_8UC1);
  mat.data.set(grey);
  return mat;
}
