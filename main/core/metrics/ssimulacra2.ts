/**
 * SSIMULACRA 2 (Jon Sneyers, Cloudinary), as libjxl 0.11's `tools/ssimulacra2.cc` computes it: both images
 * in XYB (rescaled to about 0..1, B taken as B−Y), six scales made by 2×2 box averaging in linear RGB, and at
 * each scale and channel an SSIM map (without the luma denominator) and two edge maps (artifacts: the
 * distorted image has edges where the original is smooth; detail loss: the reverse), each pooled by its
 * 1-norm and 4-norm. A weighted sum of those 108 numbers goes through libjxl's fitted curve to a score:
 * 100 identical, about 90 visually lossless, 70 high, 50 medium, 30 low quality.
 *
 * The Gaussian (σ 1.5) is libjxl's recursive one (Charalampidis 2016, three cosine poles, zero outside the
 * image), not a truncated kernel: the score depends on it. Each scale is streamed row by row through ring
 * buffers (the vertical recursion needs 2·radius+1 rows of the horizontal pass), so full-size planes are only
 * kept for the next scale's linear RGB, a quarter of the input: about 150 MB at 24 MP.
 *
 * Every step repeats libjxl's float arithmetic (Math.fround after each operation, its fused multiply-adds,
 * its own cube root and sRGB curve, the order of its sums): the score is that sensitive. A correctly rounded
 * cube root alone moved it by up to 0.05 on flat images; as written it matches the tool within 3e-5 on the
 * committed pairs (test/ssimulacra2.test.ts).
 *
 * Alpha is dropped, as the other scores do (libjxl's tool instead blends on dark and light grey and keeps the
 * worse score; the two agree on opaque images).
 */
import type { RawImage } from '../image/raw.js';

/** libjxl's tool refuses anything smaller. */
export const SSIMULACRA2_MIN_SIZE = 8;
const NUM_SCALES = 6;
const C2 = Math.fround(0.0009);

/** Why an image of this size gets no SSIMULACRA2 score, or null when it does. */
export function ssimulacra2Unavailable(width: number, height: number): string | null {
  return width < SSIMULACRA2_MIN_SIZE || height < SSIMULACRA2_MIN_SIZE
    ? `SSIMULACRA2 needs at least ${SSIMULACRA2_MIN_SIZE}×${SSIMULACRA2_MIN_SIZE} pixels (got ${width}×${height})`
    : null;
}

/** Both images 8-bit sRGB (1, 3 or 4 channels; alpha ignored) and the same size; null when smaller than 8×8. */
export function ssimulacra2(original: RawImage, distorted: RawImage): number | null {
  const { width, height } = original;
  if (distorted.width !== width || distorted.height !== height) {
    throw new Error(`ssimulacra2: images differ in size: ${width}×${height} vs ${distorted.width}×${distorted.height}`);
  }
  if (ssimulacra2Unavailable(width, height)) return null;
  const stream = new ScaleStream(width);
  const norms: Float64Array[] = [];
  let source: LinearSource = new SrgbSource(original, distorted);
  let w = width;
  let h = height;
  // libjxl checks the size of the scale before the one it is about to make, so the last scale may be < 8 px.
  for (let scale = 0; scale < NUM_SCALES; scale++) {
    const next = scale + 1 < NUM_SCALES && w >= SSIMULACRA2_MIN_SIZE && h >= SSIMULACRA2_MIN_SIZE ? new HalfScale(w, h) : null;
    norms.push(stream.run(source, w, h, next));
    if (!next) break;
    source = next;
    w = next.width;
    h = next.height;
  }
  return scoreFromNorms(norms);
}

// ---- Colour: 8-bit sRGB → linear RGB → XYB, as libjxl's ToXYB + MakePositiveXYB ----

const f = Math.fround;

/**
 * 8-bit → linear as libjxl does it: v·(1/255) in float, then TF_SRGB's rational polynomial (its own
 * approximation of the sRGB curve, off by up to 5e-6 relative), evaluated in float with fused multiply-adds.
 */
const SRGB_TO_LINEAR = (() => {
  const p = [2.200248328e-4, 1.043637593e-2, 1.624820318e-1, 7.961564959e-1, 8.210152774e-1].map(f);
  const q = [2.63184697e-1, 1.076976492, 4.98752835e-1, -5.512498495e-2, 6.521209011e-3].map(f);
  const scale = f(1 / 255);
  const lowDivInv = f(1 / f(12.92));
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const x = f(i * scale);
    let yp = p[4], yq = q[4];
    for (let k = 3; k >= 0; k--) {
      yp = f(yp * x + p[k]);
      yq = f(yq * x + q[k]);
    }
    lut[i] = x > f(0.04045) ? f(yp / yq) : f(x * lowDivInv);
  }
  return lut;
})();

// libjxl's opsin absorbance matrix and bias (lib/jxl/cms/opsin_params.h), in float as there.
const M00 = f(0.3), M02 = f(0.078), M01 = f(f(1 - M02) - M00);
const M10 = f(0.23), M12 = f(0.078), M11 = f(f(1 - M12) - M10);
const M20 = f(0.24342268924547819), M21 = f(0.20476744424496821), M22 = f(f(1 - M20) - M21);
const BIAS = f(0.0037930732552754493);

/** Linear RGB rows of both images, one row at a time. */
interface LinearSource {
  /** Fills rgb[0..2] (original) and rgb[3..5] (distorted) with row y. */
  row(y: number, rgb: Float32Array[]): void;
}

class SrgbSource implements LinearSource {
  constructor(private readonly a: RawImage, private readonly b: RawImage) {}
  row(y: number, rgb: Float32Array[]): void {
    readSrgbRow(this.a, y, rgb[0], rgb[1], rgb[2]);
    readSrgbRow(this.b, y, rgb[3], rgb[4], rgb[5]);
  }
}

function readSrgbRow(img: RawImage, y: number, r: Float32Array, g: Float32Array, b: Float32Array): void {
  const ch = img.channels;
  const data = img.data;
  const lut = SRGB_TO_LINEAR;
  const gOff = ch >= 3 ? 1 : 0;
  const bOff = ch >= 3 ? 2 : 0;
  for (let x = 0, i = y * img.width * ch; x < img.width; x++, i += ch) {
    r[x] = lut[data[i]];
    g[x] = lut[data[i + gOff]];
    b[x] = lut[data[i + bOff]];
  }
}

/** The next scale's linear RGB: 2×2 means, the last row/column repeated when the size is odd (libjxl's Downsample). */
class HalfScale implements LinearSource {
  readonly width: number;
  readonly height: number;
  private readonly planes: Float32Array[] = [];
  constructor(private readonly srcWidth: number, private readonly srcHeight: number) {
    this.width = (srcWidth + 1) >> 1;
    this.height = (srcHeight + 1) >> 1;
    for (let i = 0; i < 6; i++) this.planes.push(new Float32Array(this.width * this.height));
  }
  /** Adds source row y (all six planes). */
  add(y: number, rgb: Float32Array[]): void {
    const w = this.width;
    const last = this.srcWidth - 1;
    const off = (y >> 1) * w;
    const first = (y & 1) === 0;
    const twice = first && y === this.srcHeight - 1;
    for (let p = 0; p < 6; p++) {
      const src = rgb[p];
      const dst = this.planes[p];
      // libjxl adds the four in row order, in float, then scales by 1/4.
      for (let x = 0; x < w; x++) {
        const p0 = src[2 * x], p1 = src[Math.min(2 * x + 1, last)];
        if (first) {
          const top = f(p0 + p1);
          dst[off + x] = twice ? f(f(f(top + p0) + p1) * 0.25) : top;
        } else {
          dst[off + x] = f(f(f(dst[off + x] + p0) + p1) * 0.25);
        }
      }
    }
  }
  row(y: number, rgb: Float32Array[]): void {
    const off = y * this.width;
    for (let p = 0; p < 6; p++) rgb[p].set(this.planes[p].subarray(off, off + this.width));
  }
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
const K1_3 = f(1 / 3);
const K4_3 = f(4 / 3);

/** cbrt(x) + add, x ≥ 0, exactly as libjxl's CubeRootAndAdd (exponent trick and Newton steps in float). */
function cubeRootAndAdd(x: number, add: number): number {
  F32[0] = x;
  const bits = I32[0];
  I32[0] = bits === 0 ? 0 : 0x54800000 - (bits >> 23) * 0x002aaaaa;
  let r = F32[0];
  const x3 = f(K1_3 * x);
  let r2 = f(r * r);
  r = f(f(K4_3 * r) - x3 * f(r2 * r2));
  r2 = f(r * r);
  r = f(f(K4_3 * r) - x3 * f(r2 * r2));
  r2 = f(r * r);
  r = f(f(K4_3 * r) - x3 * f(r2 * r2));
  r2 = f(r * r);
  r = f(K1_3 * f(r - x * f(r2 * r2)) + r);
  r2 = f(r * r);
  return f(r2 * x + add);
}

const NEG_CBRT_BIAS = f(-Math.cbrt(BIAS));
const OFF_X = f(0.42), OFF_Y = f(0.01), OFF_B = f(0.55);

/** Row of linear RGB → XYB made positive (libjxl's LinearRGBToXYB, then MakePositiveXYB). */
function xybRow(r: Float32Array, g: Float32Array, b: Float32Array, xOut: Float32Array, yOut: Float32Array, bOut: Float32Array, w: number): void {
  for (let i = 0; i < w; i++) {
    const ri = r[i], gi = g[i], bi = b[i];
    const m0 = f(M00 * ri + f(M01 * gi + f(M02 * bi + BIAS)));
    const m1 = f(M10 * ri + f(M11 * gi + f(M12 * bi + BIAS)));
    const m2 = f(M20 * ri + f(M21 * gi + f(M22 * bi + BIAS)));
    const c0 = cubeRootAndAdd(m0 > 0 ? m0 : 0, NEG_CBRT_BIAS);
    const c1 = cubeRootAndAdd(m1 > 0 ? m1 : 0, NEG_CBRT_BIAS);
    const c2 = cubeRootAndAdd(m2 > 0 ? m2 : 0, NEG_CBRT_BIAS);
    const X = f(0.5 * f(c0 - c1));
    const Y = f(0.5 * f(c0 + c1));
    xOut[i] = f(X * 14) + OFF_X;
    yOut[i] = Y + OFF_Y;
    bOut[i] = f(c2 - Y) + OFF_B;
  }
}

// ---- libjxl's recursive Gaussian (tools/gauss_blur.cc, CreateRecursiveGaussian) ----

interface Recursive {
  radius: number;
  /** Per pole k (ω = π/2N · 1, 3, 5): y[n] = n2·(in[n−N−1] + in[n+N−1]) − d1·y[n−1] − y[n−2]. */
  n2: number[];
  d1: number[];
  /** The same recursion advanced four outputs at once (libjxl's horizontal pass): per pole, four lanes. */
  mulIn: number[][];
  mulPrev: number[][];
  mulPrev2: number[][];
}

function recursiveGaussian(sigma: number): Recursive {
  const radius = Math.round(f(3.2795 * sigma + 0.2546));
  const piDiv2r = Math.PI / (2 * radius);
  const omega = [piDiv2r, 3 * piDiv2r, 5 * piDiv2r];
  const p1 = 1 / Math.tan(0.5 * omega[0]);
  const p3 = -1 / Math.tan(0.5 * omega[1]);
  const p5 = 1 / Math.tan(0.5 * omega[2]);
  const r1 = (p1 * p1) / Math.sin(omega[0]);
  const r3 = (-p3 * p3) / Math.sin(omega[1]);
  const r5 = (p5 * p5) / Math.sin(omega[2]);
  const rho = omega.map((o) => Math.exp(-0.5 * sigma * sigma * o * o) / radius);
  const d13 = p1 * r3 - r1 * p3;
  const d35 = p3 * r5 - r3 * p5;
  const d51 = p5 * r1 - r5 * p1;
  const z15 = d35 / d13;
  const z35 = d51 / d13;
  const beta = solve3([[p1, p3, p5], [r1, r3, r5], [z15, z35, 1]], [1, radius * radius - sigma * sigma, z15 * rho[0] + z35 * rho[1] + rho[2]]);
  const n2 = beta.map((b, i) => -b * Math.cos(omega[i] * (radius + 1)));
  const d1 = omega.map((o) => -2 * Math.cos(o));
  const lanes = (g: (n: number, d: number, d2: number) => number[]) => n2.map((n, i) => g(n, d1[i], d1[i] * d1[i]).map(f));
  return {
    radius,
    n2: n2.map(f),
    d1: d1.map(f),
    mulIn: lanes((n, d, d2) => [n, -d * n, d2 * n - n, -d2 * d * n + 2 * d * n]),
    mulPrev: lanes((_, d, d2) => [-d, d2 - 1, -d2 * d + 2 * d, d2 * d2 - 3 * d2 + 1]),
    mulPrev2: lanes((_, d, d2) => [-1, d, -d2 + 1, d2 * d - 2 * d]),
  };
}

/** Solves A·x = v by the adjugate (A is 3×3 and well conditioned here). */
function solve3(a: number[][], v: number[]): number[] {
  const [[a0, a1, a2], [b0, b1, b2], [c0, c1, c2]] = a;
  const inv = [
    [b1 * c2 - b2 * c1, a2 * c1 - a1 * c2, a1 * b2 - a2 * b1],
    [b2 * c0 - b0 * c2, a0 * c2 - a2 * c0, a2 * b0 - a0 * b2],
    [b0 * c1 - b1 * c0, a1 * c0 - a0 * c1, a0 * b1 - a1 * b0],
  ];
  const det = a0 * inv[0][0] + a1 * inv[1][0] + a2 * inv[2][0];
  return inv.map((r) => (r[0] * v[0] + r[1] * v[1] + r[2] * v[2]) / det);
}

const RG = recursiveGaussian(1.5);
const N = RG.radius;
/** Zero margin before a padded row: the horizontal recursion starts at −N+1 and reads x − N − 1. */
const PAD_LEFT = 2 * N;
const PAD_RIGHT = N;
/** Rows the vertical recursion reaches back (2N+1), rounded up to a power of two for masking. */
const RING = 16;
const RING_MASK = RING - 1;

/**
 * Horizontal pass, in libjxl's float arithmetic (FastGaussian1D: one output at a time up to x = 7 and for the
 * last few, four at a time in between; every multiply-add fused). `src` is zero-padded (PAD_LEFT before
 * x = 0); `dst` gets w outputs at `dstOff`; `sums` is scratch.
 */
function blurRow(src: Float32Array, sums: Float32Array, dst: Float32Array, dstOff: number, w: number): void {
  // sums[n + N − 1] = in[n − N − 1] + in[n + N − 1] for n from −N + 1.
  const count = w + N - 1;
  for (let i = 0, l = PAD_LEFT - 2 * N, r = PAD_LEFT; i < count; i++, l++, r++) sums[i] = src[l] + src[r];
  // The three poles run side by side (independent chains); outputs are added as libjxl does: o1 + (o3 + o5).
  const [p0, p1, p2, p3, q0, q1, q2, q3, r0, r1, r2, r3] = IN4;
  const [pa0, pa1, pa2, pa3, qa0, qa1, qa2, qa3, ra0, ra1, ra2, ra3] = PREV4;
  const [pb0, pb1, pb2, pb3, qb0, qb1, qb2, qb3, rb0, rb1, rb2, rb3] = PREV24;
  state.fill(0);
  let n = Math.min(SCALAR_END, w);
  blurScalar(sums, dst, dstOff, -N + 1, n);
  let pp = state[0], pp2 = state[1], qp = state[2], qp2 = state[3], rp = state[4], rp2 = state[5];
  for (const end = w - N + 1 - 3; n < end; n += 4) {
    const j = n + N - 1;
    const s0 = sums[j], s1 = sums[j + 1], s2 = sums[j + 2], s3 = sums[j + 3];
    // Pole 1.
    let o0 = f(s0 * p0), o1 = f(s0 * p1), o2 = f(s0 * p2), o3 = f(s0 * p3);
    o1 = f(p0 * s1 + o1); o2 = f(p1 * s1 + o2); o3 = f(p2 * s1 + o3);
    o2 = f(p0 * s2 + o2); o3 = f(p1 * s2 + o3);
    o3 = f(p0 * s3 + o3);
    o0 = f(pa0 * pp + f(pb0 * pp2 + o0));
    o1 = f(pa1 * pp + f(pb1 * pp2 + o1));
    o2 = f(pa2 * pp + f(pb2 * pp2 + o2));
    o3 = f(pa3 * pp + f(pb3 * pp2 + o3));
    pp2 = o2; pp = o3;
    // Pole 3.
    let t0 = f(s0 * q0), t1 = f(s0 * q1), t2 = f(s0 * q2), t3 = f(s0 * q3);
    t1 = f(q0 * s1 + t1); t2 = f(q1 * s1 + t2); t3 = f(q2 * s1 + t3);
    t2 = f(q0 * s2 + t2); t3 = f(q1 * s2 + t3);
    t3 = f(q0 * s3 + t3);
    t0 = f(qa0 * qp + f(qb0 * qp2 + t0));
    t1 = f(qa1 * qp + f(qb1 * qp2 + t1));
    t2 = f(qa2 * qp + f(qb2 * qp2 + t2));
    t3 = f(qa3 * qp + f(qb3 * qp2 + t3));
    qp2 = t2; qp = t3;
    // Pole 5.
    let u0 = f(s0 * r0), u1 = f(s0 * r1), u2 = f(s0 * r2), u3 = f(s0 * r3);
    u1 = f(r0 * s1 + u1); u2 = f(r1 * s1 + u2); u3 = f(r2 * s1 + u3);
    u2 = f(r0 * s2 + u2); u3 = f(r1 * s2 + u3);
    u3 = f(r0 * s3 + u3);
    u0 = f(ra0 * rp + f(rb0 * rp2 + u0));
    u1 = f(ra1 * rp + f(rb1 * rp2 + u1));
    u2 = f(ra2 * rp + f(rb2 * rp2 + u2));
    u3 = f(ra3 * rp + f(rb3 * rp2 + u3));
    rp2 = u2; rp = u3;
    const d = dstOff + n;
    dst[d] = o0 + f(t0 + u0);
    dst[d + 1] = o1 + f(t1 + u1);
    dst[d + 2] = o2 + f(t2 + u2);
    dst[d + 3] = o3 + f(t3 + u3);
  }
  state[0] = pp; state[1] = pp2; state[2] = qp; state[3] = qp2; state[4] = rp; state[5] = rp2;
  blurScalar(sums, dst, dstOff, n, w);
}

const SCALAR_END = (N + 1 + 3) & ~3; // libjxl's RoundUpTo(N + 1, 4)
const IN4 = RG.mulIn.flat();
const PREV4 = RG.mulPrev.flat();
const PREV24 = RG.mulPrev2.flat();
/** y[n−1], y[n−2] of each pole, carried between the one-at-a-time and four-at-a-time parts of a row. */
const state = new Float64Array(6);

/** Outputs from..to−1 one at a time; only n ≥ 0 are written. */
function blurScalar(sums: Float32Array, dst: Float32Array, dstOff: number, from: number, to: number): void {
  const [n1, n3, n5] = RG.n2;
  const [e1, e3, e5] = RG.d1;
  let pp = state[0], pp2 = state[1], qp = state[2], qp2 = state[3], rp = state[4], rp2 = state[5];
  for (let n = from; n < to; n++) {
    const s = sums[n + N - 1];
    // Lane 0 of libjxl's four-wide constants: n2, −d1 and −1.
    const o = f(-e1 * pp + f(f(s * n1) - pp2));
    const t = f(-e3 * qp + f(f(s * n3) - qp2));
    const u = f(-e5 * rp + f(f(s * n5) - rp2));
    pp2 = pp; pp = o;
    qp2 = qp; qp = t;
    rp2 = rp; rp = u;
    if (n >= 0) dst[dstOff + n] = o + f(t + u);
  }
  state[0] = pp; state[1] = pp2; state[2] = qp; state[3] = qp2; state[4] = rp; state[5] = rp2;
}

/**
 * One step of the vertical pass for one plane: top + bottom rows in, output row out. `st` holds, per column
 * x at 6x, y[n−1] and y[n−2] of each pole: slot 2k + parity is written on steps of that parity, so on this
 * step it holds y[n−2] and is overwritten with y[n].
 */
function blurColumnsStep(top: Float32Array, topOff: number, bot: Float32Array, botOff: number, st: Float32Array, step: number, out: Float32Array, w: number): void {
  const [n1, n3, n5] = RG.n2;
  const [e1, e3, e5] = RG.d1;
  const older = step & 1;
  const newer = 1 - older;
  for (let x = 0, i = 0; x < w; x++, i += 6) {
    const sum = f(top[topOff + x] + bot[botOff + x]);
    // libjxl: MulAdd(n2, sum, NegMulSub(d1, y[n−1], y[n−2])), each fused.
    const y1 = f(n1 * sum + f(-e1 * st[i + newer] - st[i + older]));
    const y3 = f(n3 * sum + f(-e3 * st[i + 2 + newer] - st[i + 2 + older]));
    const y5 = f(n5 * sum + f(-e5 * st[i + 4 + newer] - st[i + 4 + older]));
    st[i + older] = y1; st[i + 2 + older] = y3; st[i + 4 + older] = y5;
    out[x] = y1 + f(y3 + y5);
  }
}

// ---- One scale, streamed ----

/** Plane k's input row (see PLANES) into the padded row. */
function product(k: number, u: Float32Array, v: Float32Array, pad: Float32Array, w: number): void {
  const o = PAD_LEFT;
  if (k === 0) pad.set(u, o);
  else if (k === 1) pad.set(v, o);
  else if (k === 2) for (let j = 0; j < w; j++) pad[o + j] = u[j] * u[j];
  else if (k === 3) for (let j = 0; j < w; j++) pad[o + j] = v[j] * v[j];
  else for (let j = 0; j < w; j++) pad[o + j] = u[j] * v[j];
}

/** Per channel: for plane k of channel c, index c·5 + k; k: 0 μ1, 1 μ2, 2 σ11, 3 σ22, 4 σ12. */
const PLANES = 15;

/** Buffers sized for the first (widest) scale and reused by the smaller ones. */
class ScaleStream {
  private readonly rgb: Float32Array[];
  /** XYB rows of both images: ring of RING rows, channel c image i at index 2c + i. */
  private readonly xyb: Float32Array[];
  private readonly padded: Float32Array;
  /** Scratch of the horizontal pass: in[x − N − 1] + in[x + N − 1]. */
  private readonly pairSums: Float32Array;
  /** Horizontally blurred rows of the 15 planes, RING rows each. */
  private readonly hRing: Float32Array[];
  private readonly vState: Float32Array[];
  private readonly blurred: Float32Array[];
  private readonly zero: Float32Array;

  /** `w`: the widest row (the first scale's). */
  constructor(w: number) {
    this.rgb = Array.from({ length: 6 }, () => new Float32Array(w));
    this.xyb = Array.from({ length: 6 }, () => new Float32Array(w * RING));
    this.padded = new Float32Array(PAD_LEFT + w + PAD_RIGHT);
    this.pairSums = new Float32Array(w + N);
    this.hRing = Array.from({ length: PLANES }, () => new Float32Array(w * RING));
    this.vState = Array.from({ length: PLANES }, () => new Float32Array(6 * w));
    this.blurred = Array.from({ length: PLANES }, () => new Float32Array(w));
    this.zero = new Float32Array(w);
  }

  /**
   * Streams one scale of size w×h from `source`, feeding `next` (the following scale) on the way.
   * Returns, per channel c, at 6c: SSIM 1-norm, 4-norm; artifact 1-, 4-norm; detail-loss 1-, 4-norm.
   */
  run(source: LinearSource, w: number, h: number, next: HalfScale | null): Float64Array {
    for (const s of this.vState) s.fill(0, 0, 6 * w);
    this.padded.fill(0, PAD_LEFT + w); // a wider scale before left data in the right margin
    const sums = new Float64Array(18);
    let step = 0;
    // Input row r drives vertical step n = r − N + 1 (steps below 0 only warm the recursion up).
    for (let r = 0; r < h; r++) {
      source.row(r, this.rgb);
      next?.add(r, this.rgb);
      this.ingest(r, w);
      this.vertical(r - N + 1, step++, w, h, sums);
    }
    for (let n = h - N + 1; n < h; n++) this.vertical(n, step++, w, h, sums);
    const onePerPixel = 1 / (w * h);
    for (let i = 0; i < 18; i += 2) {
      sums[i] *= onePerPixel;
      sums[i + 1] = Math.sqrt(Math.sqrt(sums[i + 1] * onePerPixel));
    }
    return sums;
  }

  /** XYB of row r, then the five products per channel, blurred horizontally into the ring. */
  private ingest(r: number, w: number): void {
    const slot = (r & RING_MASK) * w;
    const [r1, g1, b1, r2, g2, b2] = this.rgb;
    const x = this.xyb;
    xybRow(r1, g1, b1, x[0].subarray(slot, slot + w), x[2].subarray(slot, slot + w), x[4].subarray(slot, slot + w), w);
    xybRow(r2, g2, b2, x[1].subarray(slot, slot + w), x[3].subarray(slot, slot + w), x[5].subarray(slot, slot + w), w);
    const pad = this.padded;
    for (let c = 0; c < 3; c++) {
      const i1 = x[2 * c].subarray(slot, slot + w), i2 = x[2 * c + 1].subarray(slot, slot + w);
      for (let k = 0; k < 5; k++) {
        product(k, i1, i2, pad, w);
        blurRow(pad, this.pairSums, this.hRing[5 * c + k], slot, w);
      }
    }
  }

  /** Vertical step n (output row n when n ≥ 0), then that row's SSIM and edge sums. */
  private vertical(n: number, step: number, w: number, h: number, sums: Float64Array): void {
    const top = n - N - 1;
    const bot = n + N - 1;
    for (let p = 0; p < PLANES; p++) {
      const ring = this.hRing[p];
      blurColumnsStep(
        top >= 0 ? ring : this.zero, top >= 0 ? (top & RING_MASK) * w : 0,
        bot < h ? ring : this.zero, bot < h ? (bot & RING_MASK) * w : 0,
        this.vState[p], step, this.blurred[p], w,
      );
    }
    if (n >= 0) this.accumulate((n & RING_MASK) * w, w, sums);
  }

  private accumulate(slot: number, w: number, sums: Float64Array): void {
    for (let c = 0; c < 3; c++) {
      const b = this.blurred;
      const mu1 = b[5 * c], mu2 = b[5 * c + 1], s11 = b[5 * c + 2], s22 = b[5 * c + 3], s12 = b[5 * c + 4];
      const img1 = this.xyb[2 * c], img2 = this.xyb[2 * c + 1];
      let ssim = 0, ssim4 = 0, art = 0, art4 = 0, det = 0, det4 = 0;
      for (let x = 0; x < w; x++) {
        const m1 = mu1[x], m2 = mu2[x];
        const m11 = f(m1 * m1), m22 = f(m2 * m2), m12 = f(m1 * m2);
        const dm = f(m1 - m2);
        const numM = f(1 - f(dm * dm));
        const numS = f(2 * f(s12[x] - m12) + C2);
        const denS = f(f(s11[x] - m11) + f(s22[x] - m22) + C2);
        const d = Math.max(0, 1 - f(f(numM * numS) / denS));
        const d2 = d * d;
        ssim += d;
        ssim4 += d2 * d2;
        const e = (1 + Math.abs(f(img2[slot + x] - m2))) / (1 + Math.abs(f(img1[slot + x] - m1))) - 1;
        if (e > 0) {
          art += e;
          art4 += e * e * e * e;
        } else {
          det -= e;
          det4 += e * e * e * e;
        }
      }
      const o = 6 * c;
      sums[o] += ssim; sums[o + 1] += ssim4;
      sums[o + 2] += art; sums[o + 3] += art4;
      sums[o + 4] += det; sums[o + 5] += det4;
    }
  }
}

// ---- Pooling: libjxl's 108 weights (Msssim::Score) ----

// Order: channel X, Y, B; scale 1:1 … 1:32; 1-norm then 4-norm; each as (SSIM, artifact, detail loss).
const WEIGHTS = [
  0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0, 0.0, 0.0004371155730107379, 0.0,
  1.1041726426657346, 0.00066284834129271, 0.00015231632783718752, 0.0, 0.0016406437456599754, 0.0,
  1.8422455520539298, 11.441172603757666, 0.0, 0.0007989109436015163, 0.000176816438078653, 0.0,
  1.8787594979546387, 10.94906990605142, 0.0, 0.0007289346991508072, 0.9677937080626833, 0.0,
  0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053, 0.0004550992113792063, 0.0, 0.0,
  0.0013648766163243398, 0.0, 0.0, 0.0, 0.0, 0.0, 7.466890328078848, 0.0, 17.445833984131262,
  0.0006235601634041466, 0.0, 0.0, 6.683678146179332, 0.00037724407979611296, 1.027889937768264,
  225.20515300849274, 0.0, 0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
  176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757, 0.0004485436923833408, 0.0, 0.0,
  0.0, 34.77906344483772, 44.835625328877896, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
  0.0008680556573291698, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0005313191874358747, 0.0, 0.00016533814161379112,
  0.0, 0.0, 0.0, 0.0, 0.0, 0.0004179171803251336, 0.0017290828234722833, 0.0, 0.0020827005846636437,
  0.0, 0.0, 8.826982764996862, 23.19243343998926, 0.0, 95.1080498811086, 0.9863978034400682,
  0.9834382792465353, 0.0012286405048278493, 171.2667255897307, 0.9807858872435379, 0.0, 0.0, 0.0,
  0.0005130064588990679, 0.0, 0.00010854057858411537,
];

function scoreFromNorms(scales: Float64Array[]): number {
  let sum = 0;
  // As in libjxl, the weight index simply advances: with fewer than six scales (small images) the later
  // scales' weights are used for what is there.
  let i = 0;
  for (let c = 0; c < 3; c++) {
    for (const s of scales) {
      for (let n = 0; n < 2; n++) {
        sum += WEIGHTS[i++] * Math.abs(s[6 * c + n]);
        sum += WEIGHTS[i++] * Math.abs(s[6 * c + 2 + n]);
        sum += WEIGHTS[i++] * Math.abs(s[6 * c + 4 + n]);
      }
    }
  }
  const x = sum * 0.9562382616834844;
  const y = 2.326765642916932 * x - 0.020884521182843837 * x * x + 6.248496625763138e-5 * x * x * x;
  return y > 0 ? 100 - 10 * y ** 0.6276336467831387 : 100;
}
