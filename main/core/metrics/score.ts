import { type RawImage, resizeRaw, rgbOnly } from '../image/raw.js';
import { toGrey } from './grey.js';
import { orbSimilarity } from './orb.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';

export interface Scores {
  orb: number;
  psnr: number;
  /** null when the image is smaller than SSIM's 11×11 window. */
  ssim: number | null;
}

/** Both images RGB(A) and the same size. */
export function scoreRaw(original: RawImage, candidate: RawImage): Scores {
  const a = rgbOnly(original);
  const b = rgbOnly(candidate);
  const ga = toGrey(a);
  const gb = toGrey(b);
  const small = a.width < 11 || a.height < 11;
  return {
    orb: orbSimilarity(ga, gb, a.width, a.height),
    psnr: psnr(a, b),
    ssim: small ? null : ssim(ga, gb, a.width, a.height),
  };
}

/** Brings the candidate to the original's size (lanczos3) so both are compared as the user would see them. */
export async function matchSize(original: RawImage, candidate: RawImage): Promise<RawImage> {
  return resizeRaw(candidate, original.width, original.height);
}

export async function scoreImages(original: RawImage, candidate: RawImage): Promise<Scores> {
  return scoreRaw(original, await matchSize(original, candidate));
}
