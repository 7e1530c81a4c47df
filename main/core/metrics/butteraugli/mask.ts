/**
 * Butteraugli's visual masking (libjxl 0.11 CombineChannelsForMasking, Mask, FuzzyErosion,
 * MaskY, MaskDcY): how much local high-frequency activity hides an error.
 */
import { blur, type BlurScratch } from './blur.js';

const MASK_MUL = 6.19424080439;
const MASK_BIAS = 12.61050594197;
const MASK_RADIUS = 2.7;
const MASK_TO_ERROR_MUL = 10.0;

/** One image's masking activity from its HF and UHF X/Y bands, through DiffPrecompute. */
export function maskActivity(hfX: Float32Array, hfY: Float32Array, uhfX: Float32Array, uhfY: Float32Array, out: Float32Array, n: number): void {
  const bias = Math.fround(MASK_MUL * Math.fround(MASK_BIAS));
  const sqrtBias = Math.fround(Math.sqrt(bias));
  const mul = Math.fround(MASK_MUL);
  for (let i = 0; i < n; i++) {
    const xd = (uhfX[i] + hfX[i]) * 2.5;
    const yd = uhfY[i] * Math.fround(0.4) + hfY[i] * Math.fround(0.4);
    const m = Math.fround(Math.sqrt(xd * xd + yd * yd));
    out[i] = Math.sqrt(mul * m + bias) - sqrtBias;
  }
}

/**
 * act0/act1 (from maskActivity) are blurred in place; `mask` gets the fuzzy-eroded blur of act0,
 * and ac gains the squared difference of the two blurs.
 */
export function maskAndActivityError(
  act0: Float32Array, act1: Float32Array, mask: Float32Array, ac: Float32Array,
  width: number, height: number, scratch: BlurScratch,
): void {
  blur(act0, act0, width, height, MASK_RADIUS, scratch);
  fuzzyErosion(act0, mask, width, height);
  blur(act1, act1, width, height, MASK_RADIUS, scratch);
  for (let i = 0; i < width * height; i++) {
    const d = act0[i] - act1[i];
    ac[i] += MASK_TO_ERROR_MUL * d * d;
  }
}

/** Keeps m[0] ≤ m[1] ≤ m[2] the three smallest values seen (libjxl StoreMin3). */
function storeMin3(v: number, m: Float64Array): void {
  if (v >= m[2]) return;
  if (v < m[0]) {
    m[2] = m[1];
    m[1] = m[0];
    m[0] = v;
  } else if (v < m[1]) {
    m[2] = m[1];
    m[1] = v;
  } else m[2] = v;
}

/** Weighted mean of the three smallest values among a pixel and its 8 neighbours 3 px away. */
function fuzzyErosion(from: Float32Array, to: Float32Array, width: number, height: number): void {
  const S = 3;
  const m = new Float64Array(3);
  const [w0, w1, w2] = [Math.fround(0.45), Math.fround(0.3), Math.fround(0.25)];
  for (let y = 0; y < height; y++) {
    const up = y >= S;
    const down = y < height - S;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      m[0] = from[i];
      m[1] = m[2] = Math.fround(2 * m[0]);
      if (x >= S) {
        storeMin3(from[i - S], m);
        if (up) storeMin3(from[i - S * width - S], m);
        if (down) storeMin3(from[i + S * width - S], m);
      }
      if (x < width - S) {
        storeMin3(from[i + S], m);
        if (up) storeMin3(from[i - S * width + S], m);
        if (down) storeMin3(from[i + S * width + S], m);
      }
      if (up) storeMin3(from[i - S * width], m);
      if (down) storeMin3(from[i + S * width], m);
      to[i] = w0 * m[0] + w1 * m[1] + w2 * m[2];
    }
  }
}

const GLOBAL_SCALE = Math.fround(1 / Math.fround(Math.fround(17.83) * Math.fround(0.79079917404)));

function maskCurve(offset: number, scaler: number, mul: number, delta: number): number {
  const c = mul / (scaler * delta + offset);
  const r = GLOBAL_SCALE * (1 + c);
  return r * r;
}

export function maskY(delta: number): number {
  return maskCurve(0.829591754942, 0.451936922203, 2.5485944793, delta);
}

export function maskDcY(delta: number): number {
  return maskCurve(0.20025578522, 3.87449418804, 0.505054525019, delta);
}
