/**
 * Butteraugli's per-pixel distance at one resolution (libjxl 0.11 ButteraugliComparator with
 * hf_asymmetry = xmul = 1, as butteraugli_main runs it). The steps follow libjxl's in-place variant
 * (ButteraugliDiffmapInPlace): each frequency band of the two images is compared as soon as it
 * exists and then released, so about 14 planes are alive at once instead of 40.
 */
import { BlurScratch } from './blur.js';
import { LF_VALS, splitHighFrequency, splitLowFrequency, splitMediumFrequency, suppressXByY } from './frequencies.js';
import { MaltaScratch, maltaDiffMap } from './malta.js';
import { maskActivity, maskAndActivityError, maskDcY, maskY } from './mask.js';
import { opsinDynamics } from './opsin.js';

const W_MF_MALTA = 37.0819870399;
const NORM1_MF = 130262059.556;
const W_MF_MALTA_X = 8246.75321353;
const NORM1_MF_X = 1009002.70582;
const W_HF_MALTA = 18.7237414387;
const NORM1_HF = 4498534.45232;
const W_HF_MALTA_X = 6923.99476109;
const NORM1_HF_X = 8051.15833247;
const W_UHF_MALTA = 1.10039032555;
const NORM1_UHF = 71.7800275169;
const W_UHF_MALTA_X = 173.5;
const NORM1_UHF_X = 5.0;
/** HF X, Y, B; MF X, Y, B; LF X, Y, B. */
const WMUL = [400.0, 1.50815703118, 0, 2150.0, 10.6195433239, 16.2176043152, 29.2353797994, 0.844626970982, 0.703646627719];

export type Rgb = [Float32Array, Float32Array, Float32Array];

/** Plane-sized buffers handed back and forth between the steps. */
export class PlanePool {
  private free: Float32Array[] = [];
  constructor(readonly size: number) {}
  take(): Float32Array {
    return this.free.pop() ?? new Float32Array(this.size);
  }
  zeroed(): Float32Array {
    const p = this.take();
    p.fill(0);
    return p;
  }
  give(...planes: Float32Array[]): void {
    for (const p of planes) if (p.length === this.size) this.free.push(p);
  }
}

export interface Scratch {
  blur: BlurScratch;
  malta: MaltaScratch;
}

export function newScratch(): Scratch {
  return { blur: new BlurScratch(), malta: new MaltaScratch() };
}

/** ac += w·(a − b)² */
function addL2(a: Float32Array, b: Float32Array, w: number, ac: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    ac[i] += d * d * w;
  }
}

/** ac += the asymmetric HF objective: blurring away detail of the original costs w0lt1 extra. */
function addL2Asymmetric(a: Float32Array, b: Float32Array, w: number, ac: Float32Array, n: number): void {
  const wgt = Math.fround(w * 0.8);
  for (let i = 0; i < n; i++) {
    const v0 = a[i];
    const v1 = b[i];
    const d = v0 - v1;
    const fabs0 = Math.abs(v0);
    const tooSmall = Math.fround(0.4) * fabs0;
    let v: number;
    if (v0 < 0) v = v1 > -tooSmall ? v1 + tooSmall : v1 < -fabs0 ? -v1 - fabs0 : 0;
    else v = v1 < tooSmall ? tooSmall - v1 : v1 > fabs0 ? v1 - fabs0 : 0;
    ac[i] += d * d * wgt + wgt * v * v;
  }
}

/**
 * The distance map of two linear-sRGB images (0–1) of width×height. Consumes the six input planes
 * (they must come from `pool`, whose size is width×height). Images under 8 px on a side get 0, as
 * libjxl's comparator gives them.
 */
export function diffmapAtScale(rgb0: Rgb, rgb1: Rgb, width: number, height: number, pool: PlanePool, s: Scratch): Float32Array {
  const n = width * height;
  if (width < 8 || height < 8) {
    pool.give(...rgb0, ...rgb1);
    return pool.zeroed();
  }
  const [x0, y0, b0] = rgb0;
  const [x1, y1, b1] = rgb1;
  {
    const t0 = pool.take(), t1 = pool.take(), t2 = pool.take();
    opsinDynamics(x0, y0, b0, width, height, t0, t1, t2, s.blur);
    opsinDynamics(x1, y1, b1, width, height, t0, t1, t2, s.blur);
    pool.give(t0, t1, t2);
  }

  const dc = pool.zeroed();
  {
    const lfY0 = pool.take(), lfY1 = pool.take(), lf0 = pool.take(), lf1 = pool.take();
    splitLowFrequency(y0, lfY0, width, height, s.blur);
    splitLowFrequency(y1, lfY1, width, height, s.blur);
    splitLowFrequency(x0, lf0, width, height, s.blur);
    splitLowFrequency(x1, lf1, width, height, s.blur);
    addL2(lf0, lf1, WMUL[6] * LF_VALS.x * LF_VALS.x, dc, n);
    addL2(lfY0, lfY1, WMUL[7] * LF_VALS.y * LF_VALS.y, dc, n);
    splitLowFrequency(b0, lf0, width, height, s.blur);
    splitLowFrequency(b1, lf1, width, height, s.blur);
    const { yToB, b: bmul } = LF_VALS;
    for (let i = 0; i < n; i++) {
      const d = (lf0[i] + yToB * lfY0[i] - (lf1[i] + yToB * lfY1[i])) * bmul;
      dc[i] += d * d * WMUL[8];
    }
    pool.give(lfY0, lfY1, lf0, lf1);
  }

  const hf0 = [pool.take(), pool.take()] as const;
  const hf1 = [pool.take(), pool.take()] as const;
  for (const [rgb, hf] of [[rgb0, hf0], [rgb1, hf1]] as const) {
    splitMediumFrequency(0, rgb[0], hf[0], width, height, s.blur);
    splitMediumFrequency(1, rgb[1], hf[1], width, height, s.blur);
    splitMediumFrequency(2, rgb[2], null, width, height, s.blur);
    suppressXByY(hf[1], hf[0], n);
  }

  const ac = pool.zeroed();
  maltaDiffMap('lf', y0, y1, { w0gt1: W_MF_MALTA, w0lt1: W_MF_MALTA, norm1: NORM1_MF }, ac, width, height, s.malta);
  maltaDiffMap('lf', x0, x1, { w0gt1: W_MF_MALTA_X, w0lt1: W_MF_MALTA_X, norm1: NORM1_MF_X }, ac, width, height, s.malta);
  for (let c = 0; c < 3; c++) addL2(rgb0[c], rgb1[c], WMUL[3 + c], ac, n);
  pool.give(...rgb0, ...rgb1);

  const uhf0 = [pool.take(), pool.take()] as const;
  const uhf1 = [pool.take(), pool.take()] as const;
  for (const [hf, uhf] of [[hf0, uhf0], [hf1, uhf1]] as const) {
    splitHighFrequency(0, hf[0], uhf[0], width, height, s.blur);
    splitHighFrequency(1, hf[1], uhf[1], width, height, s.blur);
  }
  maltaDiffMap('hf', uhf0[1], uhf1[1], { w0gt1: W_UHF_MALTA, w0lt1: W_UHF_MALTA, norm1: NORM1_UHF }, ac, width, height, s.malta);
  maltaDiffMap('hf', uhf0[0], uhf1[0], { w0gt1: W_UHF_MALTA_X, w0lt1: W_UHF_MALTA_X, norm1: NORM1_UHF_X }, ac, width, height, s.malta);
  maltaDiffMap('lf', hf0[1], hf1[1], { w0gt1: W_HF_MALTA, w0lt1: W_HF_MALTA, norm1: NORM1_HF }, ac, width, height, s.malta);
  maltaDiffMap('lf', hf0[0], hf1[0], { w0gt1: W_HF_MALTA_X, w0lt1: W_HF_MALTA_X, norm1: NORM1_HF_X }, ac, width, height, s.malta);
  addL2Asymmetric(hf0[0], hf1[0], WMUL[0], ac, n);
  addL2Asymmetric(hf0[1], hf1[1], WMUL[1], ac, n);

  const act0 = pool.take(), act1 = pool.take();
  maskActivity(hf0[0], hf0[1], uhf0[0], uhf0[1], act0, n);
  maskActivity(hf1[0], hf1[1], uhf1[0], uhf1[1], act1, n);
  pool.give(...hf0, ...hf1, ...uhf0, ...uhf1);
  const mask = pool.take();
  maskAndActivityError(act0, act1, mask, ac, width, height, s.blur);
  pool.give(act0, act1);

  for (let i = 0; i < n; i++) {
    const m = mask[i];
    dc[i] = Math.sqrt(dc[i] * maskDcY(m) + ac[i] * maskY(m));
  }
  pool.give(ac, mask);
  return dc;
}
