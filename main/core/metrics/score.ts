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

/** Scores a candidate against the original at the original's size (the candidate is resized first if needed). */
export async function scoreImages(original: RawImage, candidate: RawImage): Promise<Scores> {
  const a = rgbOnly(original);
  const b = rgbOnly(await resizeRaw(rgbOnly(candidate), a.width, a.height));
  const ga = toGrey(a);
  const gb = toGrey(b);
  const small = a.width < 11 || a.height < 11;
  return {
    orb: orbSimilarity(ga, gb, a.width, a.height),
    psnr: psnr(a, b),
    ssim: small ? null : ssim(ga, gb, a.width, a.height),
  };
}
