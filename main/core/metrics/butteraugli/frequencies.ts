/**
 * Butteraugli's split of an XYB image into frequency bands (libjxl 0.11 SeparateLFAndMF,
 * SeparateMFAndHF, SeparateHFAndUHF), one step at a time so the caller can compare the two
 * images band by band and release each band as soon as it is used.
 */
import { blur, type BlurScratch } from './blur.js';

const SIGMA_LF = 7.15593339443;
const SIGMA_HF = 3.22489901262;
const SIGMA_UHF = 1.56416327805;

function removeRangeAroundZero(w: number, x: number): number {
  return x > w ? x - w : x < -w ? x + w : 0;
}

function amplifyRangeAroundZero(w: number, x: number): number {
  return x > w ? x + w : x < -w ? x - w : 2 * x;
}

function maximumClamp(v: number, max: number): number {
  const MUL = 0.724216145665;
  if (v >= max) return (v - max) * MUL + max;
  if (v < -max) return (v + max) * MUL - max;
  return v;
}

/** lf = blur(plane); plane -= lf (plane becomes the MF residual). */
export function splitLowFrequency(plane: Float32Array, lf: Float32Array, width: number, height: number, scratch: BlurScratch): void {
  blur(plane, lf, width, height, SIGMA_LF, scratch);
  for (let i = 0; i < width * height; i++) plane[i] -= lf[i];
}

/** The low-frequency XYB to the space where squared differences are compared (XybLowFreqToVals). */
export const LF_VALS = { x: 33.832837186260, y: 14.458268100570, b: 49.87984651440, yToB: -0.362267051518 };

/**
 * Channel c (0 = X, 1 = Y) of the MF residual: hf = residual − blur(residual); mf = blur(residual)
 * with the range around zero removed (X) or amplified (Y). Channel 2 (B) only gets blurred (hf is null).
 */
export function splitMediumFrequency(c: 0 | 1 | 2, mf: Float32Array, hf: Float32Array | null, width: number, height: number, scratch: BlurScratch): void {
  const n = width * height;
  if (hf) hf.set(mf.subarray(0, n));
  blur(mf, mf, width, height, SIGMA_HF, scratch);
  if (!hf) return;
  for (let i = 0; i < n; i++) {
    const m = mf[i];
    hf[i] -= m;
    mf[i] = c === 0 ? removeRangeAroundZero(0.29, m) : amplifyRangeAroundZero(0.1, m);
  }
}

/** Red-green is masked by an intensity change in the high frequencies (SuppressXByY). */
export function suppressXByY(hfY: Float32Array, hfX: Float32Array, n: number): void {
  const S = 0.653020556257;
  const SUPPRESS = 46.0;
  for (let i = 0; i < n; i++) {
    const y = hfY[i];
    hfX[i] *= (SUPPRESS / (y * y + SUPPRESS)) * (1 - S) + S;
  }
}

/** Channel c of HF: uhf = hf − blur(hf), hf = blur(hf), each reshaped as libjxl does per channel. */
export function splitHighFrequency(c: 0 | 1, hf: Float32Array, uhf: Float32Array, width: number, height: number, scratch: BlurScratch): void {
  const n = width * height;
  uhf.set(hf.subarray(0, n));
  blur(hf, hf, width, height, SIGMA_UHF, scratch);
  if (c === 0) {
    for (let i = 0; i < n; i++) {
      const h = hf[i];
      const u = uhf[i] - h;
      hf[i] = removeRangeAroundZero(1.5, h);
      uhf[i] = removeRangeAroundZero(0.04, u);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = maximumClamp(hf[i], 28.4691806922);
      uhf[i] = maximumClamp(uhf[i] - h, 5.19175294647) * 2.69313763794;
      hf[i] = amplifyRangeAroundZero(0.132, h * 2.155);
    }
  }
}
