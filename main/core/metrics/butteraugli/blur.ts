/**
 * Butteraugli's blurs, as libjxl 0.11 computes them (lib/jxl/butteraugli/butteraugli.cc, Blur):
 * a Gaussian truncated at 2.25 σ. Kernels of 5 taps (σ = 1.2, the opsin blur) go through libjxl's
 * Separable5, which mirrors the image at its borders; every other kernel renormalises the taps that
 * fall inside the image. Parity depends on keeping both border rules.
 */

export interface Plane {
  data: Float32Array;
  width: number;
  height: number;
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.trunc(Math.fround(2.25) * Math.fround(Math.abs(sigma))));
  const scaler = -1 / (2 * sigma * sigma);
  const k = new Float32Array(2 * radius + 1);
  for (let i = -radius; i <= radius; i++) k[i + radius] = Math.exp(scaler * i * i);
  return k;
}

const kernels = new Map<number, Float32Array>();
function kernelFor(sigma: number): Float32Array {
  let k = kernels.get(sigma);
  if (!k) kernels.set(sigma, (k = gaussianKernel(sigma)));
  return k;
}

/** Reused between calls: one row of double-precision sums and one plane-sized buffer. */
export class BlurScratch {
  private acc = new Float64Array(0);
  private tmp = new Float32Array(0);
  rowAcc(width: number): Float64Array {
    if (this.acc.length < width) this.acc = new Float64Array(width);
    return this.acc;
  }
  plane(size: number): Float32Array {
    if (this.tmp.length < size) this.tmp = new Float32Array(size);
    return this.tmp;
  }
}

/** Blurs `src` into `dst` (which may be `src` itself). */
export function blur(src: Float32Array, dst: Float32Array, width: number, height: number, sigma: number, scratch: BlurScratch): void {
  const k = kernelFor(sigma);
  const tmp = scratch.plane(width * height);
  if (k.length === 5) {
    mirroredHorizontal5(src, tmp, width, height, k);
    mirroredVertical5(tmp, dst, width, height, k, scratch.rowAcc(width));
  } else {
    renormalisedHorizontal(src, tmp, width, height, k, scratch.rowAcc(width));
    renormalisedVertical(tmp, dst, width, height, k, scratch.rowAcc(width));
  }
}

function mirror(x: number, size: number): number {
  while (x < 0 || x >= size) x = x < 0 ? -x - 1 : 2 * size - 1 - x;
  return x;
}

function normalisedFive(k: Float32Array): [number, number, number] {
  const scale = Math.fround(1 / (k[0] + k[1] + k[2] + k[3] + k[4]));
  return [Math.fround(k[2] * scale), Math.fround(k[1] * scale), Math.fround(k[0] * scale)];
}

function mirroredHorizontal5(src: Float32Array, dst: Float32Array, width: number, height: number, k: Float32Array): void {
  const [w0, w1, w2] = normalisedFive(k);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const interior = x >= 2 && x < width - 2;
      const l1 = src[o + (interior ? x - 1 : mirror(x - 1, width))];
      const l2 = src[o + (interior ? x - 2 : mirror(x - 2, width))];
      const r1 = src[o + (interior ? x + 1 : mirror(x + 1, width))];
      const r2 = src[o + (interior ? x + 2 : mirror(x + 2, width))];
      dst[o + x] = src[o + x] * w0 + (l1 + r1) * w1 + (l2 + r2) * w2;
    }
  }
}

function mirroredVertical5(src: Float32Array, dst: Float32Array, width: number, height: number, k: Float32Array, acc: Float64Array): void {
  const [w0, w1, w2] = normalisedFive(k);
  for (let y = 0; y < height; y++) {
    const m = y * width;
    const t1 = mirror(y - 1, height) * width;
    const t2 = mirror(y - 2, height) * width;
    const b1 = mirror(y + 1, height) * width;
    const b2 = mirror(y + 2, height) * width;
    for (let x = 0; x < width; x++) acc[x] = src[m + x] * w0 + (src[t1 + x] + src[b1 + x]) * w1 + (src[t2 + x] + src[b2 + x]) * w2;
    for (let x = 0; x < width; x++) dst[m + x] = acc[x];
  }
}

/** The kernel's taps scaled to sum to 1, and the sum of the raw taps. */
function normalised(k: Float32Array): { scaled: Float32Array; total: number } {
  let total = 0;
  for (let i = 0; i < k.length; i++) total += k[i];
  const scaled = new Float32Array(k.length);
  for (let i = 0; i < k.length; i++) scaled[i] = k[i] * Math.fround(1 / total);
  return { scaled, total };
}

/** Pixels within r of the row's ends: the taps inside the row, renormalised (ConvolveBorderColumn). */
function borderPixel(src: Float32Array, o: number, x: number, width: number, k: Float32Array): number {
  const r = k.length >> 1;
  const lo = Math.max(0, x - r);
  const hi = Math.min(width - 1, x + r);
  let weight = 0;
  let sum = 0;
  for (let j = lo; j <= hi; j++) {
    weight += k[j - x + r];
    sum += src[o + j] * k[j - x + r];
  }
  return sum / weight;
}

/**
 * acc[x] = Σ scaled[r + i]·src[base + x + i·step] over i = −r…r, for x0 ≤ x < x1: the taps in
 * symmetric pairs, four pairs a pass (about twice as fast in V8 as one tap a pass).
 */
function convolveSpan(src: Float32Array, base: number, step: number, x0: number, x1: number, scaled: Float32Array, r: number, acc: Float64Array): void {
  const c = scaled[r];
  for (let x = x0; x < x1; x++) acc[x] = src[base + x] * c;
  let i = 1;
  for (; i + 3 <= r; i += 4) {
    const w1 = scaled[r - i], w2 = scaled[r - i - 1], w3 = scaled[r - i - 2], w4 = scaled[r - i - 3];
    const a1 = base - i * step, a2 = a1 - step, a3 = a2 - step, a4 = a3 - step;
    const b1 = base + i * step, b2 = b1 + step, b3 = b2 + step, b4 = b3 + step;
    for (let x = x0; x < x1; x++) {
      acc[x] += (src[a1 + x] + src[b1 + x]) * w1 + (src[a2 + x] + src[b2 + x]) * w2 + (src[a3 + x] + src[b3 + x]) * w3 + (src[a4 + x] + src[b4 + x]) * w4;
    }
  }
  for (; i <= r; i++) {
    const w = scaled[r - i];
    const a = base - i * step;
    const b = base + i * step;
    for (let x = x0; x < x1; x++) acc[x] += (src[a + x] + src[b + x]) * w;
  }
}

function renormalisedHorizontal(src: Float32Array, dst: Float32Array, width: number, height: number, k: Float32Array, acc: Float64Array): void {
  const r = k.length >> 1;
  const { scaled } = normalised(k);
  const x1 = width - r;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    if (x1 > r) {
      convolveSpan(src, o, 1, r, x1, scaled, r, acc);
      for (let x = r; x < x1; x++) dst[o + x] = acc[x];
    }
    for (let x = 0; x < Math.min(r, width); x++) dst[o + x] = borderPixel(src, o, x, width, k);
    for (let x = Math.max(r, x1); x < width; x++) dst[o + x] = borderPixel(src, o, x, width, k);
  }
}

function renormalisedVertical(src: Float32Array, dst: Float32Array, width: number, height: number, k: Float32Array, acc: Float64Array): void {
  const r = k.length >> 1;
  const { scaled } = normalised(k);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    if (y >= r && y < height - r) {
      convolveSpan(src, o, width, 0, width, scaled, r, acc);
    } else {
      const lo = Math.max(0, y - r);
      const hi = Math.min(height - 1, y + r);
      let weight = 0;
      for (let j = lo; j <= hi; j++) weight += k[j - y + r];
      acc.fill(0, 0, width);
      for (let j = lo; j <= hi; j++) {
        const w = k[j - y + r] / weight;
        const a = j * width;
        for (let x = 0; x < width; x++) acc[x] += src[a + x] * w;
      }
    }
    for (let x = 0; x < width; x++) dst[o + x] = acc[x];
  }
}
