/**
 * Butteraugli's opsin dynamics: linear sRGB (scaled to nits by the intensity target) to its XYB,
 * with each pixel's sensitivity taken from a slightly blurred copy of the image
 * (libjxl 0.11 OpsinDynamicsImage).
 */
import { blur, type BlurScratch } from './blur.js';

/** butteraugli_main's viewing condition for SDR input: 1.0 linear = 80 nits. */
export const INTENSITY_TARGET = 80;

const MIX = [
  0.29956550340058319, 0.63373087833825936, 0.077705617820981968, 1.7557483643287353,
  0.22158691104574774, 0.69391388044116142, 0.0987313588422, 1.7557483643287353,
  0.02, 0.02, 0.20480129041026129, 12.226454707163354,
];
const GAMMA_MUL = 19.245013259874995;
const GAMMA_ADD = -23.16046239805755;
const GAMMA_BIAS = 9.9710635769299145;
const MIN = 1e-4;

function sensitivity(premixed: number): number {
  const v = Math.max(premixed, MIN);
  const gamma = GAMMA_MUL * Math.log(Math.max(v, 0) + GAMMA_BIAS) + GAMMA_ADD;
  return Math.max(gamma / v, MIN);
}

/**
 * Overwrites the linear planes r, g, b with X, Y, B. t0–t2 are plane-sized scratch.
 */
export function opsinDynamics(
  r: Float32Array, g: Float32Array, b: Float32Array,
  width: number, height: number,
  t0: Float32Array, t1: Float32Array, t2: Float32Array,
  scratch: BlurScratch,
): void {
  const S = 1.2;
  blur(r, t0, width, height, S, scratch);
  blur(g, t1, width, height, S, scratch);
  blur(b, t2, width, height, S, scratch);
  const it = INTENSITY_TARGET;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11] = MIX;
  for (let i = 0; i < width * height; i++) {
    const br = t0[i] * it, bg = t1[i] * it, bb = t2[i] * it;
    const s0 = sensitivity(Math.max(m0 * br + m1 * bg + m2 * bb + m3, m3));
    const s1 = sensitivity(Math.max(m4 * br + m5 * bg + m6 * bb + m7, m7));
    const s2 = sensitivity(Math.max(m8 * br + m9 * bg + m10 * bb + m11, m11));
    const cr = r[i] * it, cg = g[i] * it, cb = b[i] * it;
    const c0 = Math.max((m0 * cr + m1 * cg + m2 * cb + m3) * s0, m3);
    const c1 = Math.max((m4 * cr + m5 * cg + m6 * cb + m7) * s1, m7);
    const c2 = Math.max((m8 * cr + m9 * cg + m10 * cb + m11) * s2, m11);
    r[i] = c0 - c1;
    g[i] = c0 + c1;
    b[i] = c2;
  }
}
