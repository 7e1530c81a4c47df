import { createRequire } from 'node:module';

/**
 * The original bench's orb_sim: ORB with OpenCV's defaults on both grey images, brute-force Hamming
 * matching with cross-check, and the share of matches closer than 50. When the original has no keypoints
 * there is nothing to measure and the score is undefined (null), not 0: the Python version said 0, so an
 * identical smooth sky pulled a run's mean ORB down as if nothing matched. When only the candidate has
 * none, none of the original's features came back: that stays 0, or a provider that blurs every detail
 * away would be left out of the ORB means instead of scoring lowest.
 */
export const ORB_MATCH_DISTANCE = 50;

/**
 * The score (null where undefined), the keypoints found in the original so a reader can see what it rests
 * on, and a note where the score is null or a 0 for want of keypoints.
 */
export interface OrbResult {
  score: number | null;
  keypoints: number;
  note: string | null;
}

// opencv-wasm is a CommonJS module that instantiates its wasm synchronously on first require. A plain
// `require('…')` call, so that the packaging test's walk of the workers' imports sees it.
const require = createRequire(import.meta.url);
let cvCache: any;
function cv(): any {
  if (!cvCache) cvCache = require('opencv-wasm').cv;
  return cvCache;
}

/** Instantiates the wasm module now (~0.1–0.3 s), e.g. in a scoring thread while the first image upscales. */
export function loadOrb(): void {
  cv();
}

/** ORB's default edgeThreshold: no keypoint lies closer to the border, so smaller images have none. */
const ORB_EDGE = 31;

/** `a` is the original, `b` the candidate, both grey and the same size. */
export function orbSimilarity(a: Uint8Array, b: Uint8Array, width: number, height: number): OrbResult {
  if (width <= 2 * ORB_EDGE || height <= 2 * ORB_EDGE) return { score: null, keypoints: 0, note: `image under ${2 * ORB_EDGE + 1}×${2 * ORB_EDGE + 1}, too small for keypoints` };
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
    if (descA.rows === 0) return { score: null, keypoints, note: 'no keypoints in the original, too smooth or low in contrast' };
    // cross-checked matching of two non-empty sets always pairs at least their closest two
    if (descB.rows === 0) return { score: 0, keypoints, note: `no keypoints in the candidate (${keypoints} in the original)` };
    const matcher = own(new c.BFMatcher(c.NORM_HAMMING, true));
    const matches = own(new c.DMatchVector());
    matcher.match(descA, descB, matches);
    const n = matches.size();
    let close = 0;
    for (let i = 0; i < n; i++) if (matches.get(i).distance < ORB_MATCH_DISTANCE) close++;
    return { score: n ? close / n : 0, keypoints, note: null };
  } finally {
    for (const x of owned.reverse()) x.delete();
  }
}

function matFromGrey(c: any, grey: Uint8Array, width: number, height: number): any {
  const mat = new c.Mat(height, width, c.CV_8UC1);
  mat.data.set(grey);
  return mat;
}
