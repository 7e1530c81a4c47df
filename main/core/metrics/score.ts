import { type RawImage, resizeRaw, rgbOnly } from '../image/raw.js';
import { toGrey } from './grey.js';
import { type OrbResult, orbSimilarity } from './orb.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';

export interface Scores {
  /** null where ORB is undefined: the original has no keypoints (`orbNote` says so). */
  orb: number | null;
  /** Keypoints ORB found in the original. */
  orbKeypoints: number;
  /** Why `orb` is null, or 0 for want of keypoints in the candidate; null otherwise. */
  orbNote: string | null;
  psnr: number;
  /** null when the image is smaller than SSIM's 11×11 window. */
  ssim: number | null;
}

/**
 * Which scores to compute: all of them, or one of two halves of about equal cost (ORB; SSIM and PSNR),
 * so that two threads can score one image.
 */
export type ScorePart = 'all' | 'orb' | 'pixels';

/** Both images RGB(A) and the same size. */
export function scoreRaw(original: RawImage, candidate: RawImage): Scores;
export function scoreRaw(original: RawImage, candidate: RawImage, part: ScorePart): Partial<Scores>;
export function scoreRaw(original: RawImage, candidate: RawImage, part: ScorePart = 'all'): Partial<Scores> {
  const a = rgbOnly(original);
  const b = rgbOnly(candidate);
  const ga = toGrey(a);
  const gb = toGrey(b);
  const small = a.width < 11 || a.height < 11;
  const out: Partial<Scores> = {};
  if (part !== 'pixels') Object.assign(out, orbScores(orbSimilarity(ga, gb, a.width, a.height)));
  if (part !== 'orb') {
    out.psnr = psnr(a, b);
    out.ssim = small ? null : ssim(ga, gb, a.width, a.height);
  }
  return out;
}

const orbScores = (r: OrbResult): Pick<Scores, 'orb' | 'orbKeypoints' | 'orbNote'> => ({ orb: r.score, orbKeypoints: r.keypoints, orbNote: r.note });

/** Brings the candidate to the original's size (lanczos3) so both are compared as the user would see them. */
export async function matchSize(original: RawImage, candidate: RawImage): Promise<RawImage> {
  return resizeRaw(candidate, original.width, original.height);
}

export async function scoreImages(original: RawImage, candidate: RawImage): Promise<Scores> {
  return scoreRaw(original, await matchSize(original, candidate));
}
