/**
 * Butteraugli, JPEG XL's psychovisual distance, as libjxl 0.11's `butteraugli_main` prints it for
 * two 8-bit sRGB images: the max-norm distance (≈ 1 is "just noticeable") and the 3-norm, plus the
 * per-pixel distance map. Alpha is dropped, as for the other scores.
 *
 * Like libjxl, the map adds a half-resolution pass (images ≥ 15 px on a side). Large images are
 * computed in tiles whose margins cover every filter's reach at both resolutions, so the map is the
 * one a single pass would give while the working set stays bounded (see `TILE`).
 */
import { type RawImage, rgbOnly } from '../../image/raw.js';
import { assertSameShape } from '../psnr.js';
import { PlanePool, type Rgb, type Scratch, diffmapAtScale, newScratch } from './diffmap.js';

export interface ButteraugliResult {
  /** Max-norm distance: the largest value in `diffmap`. */
  distance: number;
  /** libjxl's ComputeDistanceP with p = 3 (what butteraugli_main prints as "3-norm"). */
  pnorm3: number;
  /** Per-pixel distance, width×height, row-major. */
  diffmap: Float32Array;
  width: number;
  height: number;
}

/** Core tile side (even). Each tile is computed with MARGIN extra pixels on every side. */
export const TILE = 1536;
/**
 * Longest chain of filters (opsin blur 2 + LF 16 + MF 7 + HF 3 + mask blur 6 + erosion 3 = 37 px)
 * at half resolution is 74 full-resolution pixels; 96 leaves room and keeps tile origins even.
 */
export const MARGIN = 96;

const SRGB_TO_LINEAR = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const v = i / 255;
    t[i] = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }
  return t;
})();

/** The linear planes of a rectangle of an interleaved RGB image. */
function linearPlanes(img: RawImage, x0: number, y0: number, w: number, h: number, pool: PlanePool): Rgb {
  const planes: Rgb = [pool.take(), pool.take(), pool.take()];
  const src = img.data;
  for (let y = 0; y < h; y++) {
    let s = ((y0 + y) * img.width + x0) * 3;
    const o = y * w;
    for (let x = 0; x < w; x++, s += 3) {
      planes[0][o + x] = SRGB_TO_LINEAR[src[s]];
      planes[1][o + x] = SRGB_TO_LINEAR[src[s + 1]];
      planes[2][o + x] = SRGB_TO_LINEAR[src[s + 2]];
    }
  }
  return planes;
}

/** libjxl's SubSample2x: 2×2 box means; a lone last column/row is averaged with itself. */
function subsample2x(rgb: Rgb, w: number, h: number, pool: PlanePool): Rgb {
  const sw = (w + 1) >> 1;
  const sh = (h + 1) >> 1;
  return rgb.map((p) => {
    const out = pool.zeroed();
    for (let y = 0; y < h; y++) {
      const o = (y >> 1) * sw;
      for (let x = 0; x < w; x++) out[o + (x >> 1)] += 0.25 * p[y * w + x];
    }
    if (w & 1) for (let y = 0; y < sh; y++) out[y * sw + sw - 1] *= 2;
    if (h & 1) for (let x = 0; x < sw; x++) out[(sh - 1) * sw + x] *= 2;
    return out;
  }) as Rgb;
}

/** The distance map of a rectangle, computed as if it were the whole image. */
function regionDiffmap(a: RawImage, b: RawImage, x0: number, y0: number, w: number, h: number, scratch: Scratch): Float32Array {
  const pool = new PlanePool(w * h);
  const rgb0 = linearPlanes(a, x0, y0, w, h, pool);
  const rgb1 = linearPlanes(b, x0, y0, w, h, pool);
  const sw = (w + 1) >> 1;
  const sh = (h + 1) >> 1;
  let sub: Float32Array | null = null;
  if (w >= 8 && h >= 8 && sw >= 8 && sh >= 8) {
    const subPool = new PlanePool(sw * sh);
    sub = diffmapAtScale(subsample2x(rgb0, w, h, subPool), subsample2x(rgb1, w, h, subPool), sw, sh, subPool, scratch);
  }
  const map = diffmapAtScale(rgb0, rgb1, w, h, pool, scratch);
  if (sub) {
    // AddSupersampled2x with weight 0.5: finer-scale errors are damped by 0.3 × 0.5.
    const keep = 1 - 0.3 * 0.5;
    for (let y = 0; y < h; y++) {
      const so = (y >> 1) * sw;
      for (let x = 0; x < w; x++) map[y * w + x] = map[y * w + x] * keep + 0.5 * sub[so + (x >> 1)];
    }
  }
  return map;
}

export function butteraugliDiffmap(original: RawImage, distorted: RawImage, tile = TILE): Float32Array {
  const a = rgbOnly(original);
  const b = rgbOnly(distorted);
  assertSameShape(a, b);
  const { width, height } = a;
  if (width < 1 || height < 1) throw new Error('butteraugli: empty image');
  const scratch = newScratch();
  if (width <= tile + 2 * MARGIN && height <= tile + 2 * MARGIN) return regionDiffmap(a, b, 0, 0, width, height, scratch);
  const map = new Float32Array(width * height);
  for (let ty = 0; ty < height; ty += tile) {
    for (let tx = 0; tx < width; tx += tile) {
      const ex0 = Math.max(0, tx - MARGIN);
      const ey0 = Math.max(0, ty - MARGIN);
      const ex1 = Math.min(width, tx + tile + MARGIN);
      const ey1 = Math.min(height, ty + tile + MARGIN);
      const ew = ex1 - ex0;
      const part = regionDiffmap(a, b, ex0, ey0, ew, ey1 - ey0, scratch);
      const cw = Math.min(tile, width - tx);
      for (let y = ty; y < Math.min(height, ty + tile); y++) {
        const from = (y - ey0) * ew + (tx - ex0);
        map.set(part.subarray(from, from + cw), y * width + tx);
      }
    }
  }
  return map;
}

/** libjxl's ComputeDistanceP for p = 3: the mean of the 3-, 6- and 12-norms of the map. */
export function pnorm3(diffmap: Float32Array): number {
  let s3 = 0, s6 = 0, s12 = 0;
  for (let i = 0; i < diffmap.length; i++) {
    const d = diffmap[i];
    const d3 = d * d * d;
    s3 += d3;
    const d6 = d3 * d3;
    s6 += d6;
    s12 += d6 * d6;
  }
  const inv = 1 / diffmap.length;
  return ((inv * s3) ** (1 / 3) + (inv * s6) ** (1 / 6) + (inv * s12) ** (1 / 12)) / 3;
}

/** Both images RGB(A), the same size. */
export function butteraugli(original: RawImage, distorted: RawImage, tile = TILE): ButteraugliResult {
  const diffmap = butteraugliDiffmap(original, distorted, tile);
  let distance = 0;
  for (let i = 0; i < diffmap.length; i++) if (diffmap[i] > distance) distance = diffmap[i];
  return { distance, pnorm3: pnorm3(diffmap), diffmap, width: original.width, height: original.height };
}
