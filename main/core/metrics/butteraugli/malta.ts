/**
 * Butteraugli's Malta filter (libjxl 0.11 MaltaDiffMapT): a per-pixel weighted difference of two
 * bands, then, at every pixel, the sum of squares of its sums along 16 short lines through it
 * (the image is zero outside). Two line sets: 5 sparse taps for the low-frequency bands ("LF"),
 * 7–9 dense taps for the high ones. The dense set lists four lines twice, as libjxl does.
 */

/** Sum of squares of the sparse 5-tap line sums through d[z] (libjxl MaltaUnit, MaltaTagLF). */
function lineEnergyLf(d: Float32Array, z: number, st: number): number {
  const m1 = z - st, m2 = z - 2 * st, m3 = z - 3 * st, m4 = z - 4 * st;
  const p1 = z + st, p2 = z + 2 * st, p3 = z + 3 * st, p4 = z + 4 * st;
  const c = d[z];
  let s = d[z - 4] + d[z - 2] + c + d[z + 2] + d[z + 4];
  let t = s * s;
  s = d[m4] + d[m2] + c + d[p2] + d[p4]; t += s * s;
  s = d[m3 - 3] + d[m2 - 2] + c + d[p2 + 2] + d[p3 + 3]; t += s * s;
  s = d[m3 + 3] + d[m2 + 2] + c + d[p2 - 2] + d[p3 - 3]; t += s * s;
  s = d[m4 + 1] + d[m2 + 1] + c + d[p2 - 1] + d[p4 - 1]; t += s * s;
  s = d[m4 - 1] + d[m2 - 1] + c + d[p2 + 1] + d[p4 + 1]; t += s * s;
  s = d[m1 - 4] + d[m1 - 2] + c + d[p1 + 2] + d[p1 + 4]; t += s * s;
  s = d[p1 - 4] + d[p1 - 2] + c + d[m1 + 2] + d[m1 + 4]; t += s * s;
  s = d[m3 - 2] + d[m2 - 1] + c + d[p2 + 1] + d[p3 + 2]; t += s * s;
  s = d[m3 + 2] + d[m2 + 1] + c + d[p2 - 1] + d[p3 - 2]; t += s * s;
  s = d[m2 - 3] + d[m1 - 2] + c + d[p1 + 2] + d[p2 + 3]; t += s * s;
  s = d[m2 + 3] + d[m1 + 2] + c + d[p1 - 2] + d[p2 - 3]; t += s * s;
  s = d[p2 - 4] + d[p1 - 2] + c + d[m1 + 2] + d[m2 + 4]; t += s * s;
  s = d[m2 - 4] + d[m1 - 2] + c + d[p1 + 2] + d[p2 + 4]; t += s * s;
  s = d[m4 - 2] + d[m2 - 1] + c + d[p2 + 1] + d[p4 + 2]; t += s * s;
  s = d[m4 + 2] + d[m2 + 1] + c + d[p2 - 1] + d[p4 - 2]; t += s * s;
  return t;
}

/**
 * The same with dense 7–9-tap lines (MaltaTag). libjxl lists the four nearly horizontal/vertical
 * lines twice, so they count double here.
 */
function lineEnergyHf(d: Float32Array, z: number, st: number): number {
  const m1 = z - st, m2 = z - 2 * st, m3 = z - 3 * st, m4 = z - 4 * st;
  const p1 = z + st, p2 = z + 2 * st, p3 = z + 3 * st, p4 = z + 4 * st;
  const c = d[z];
  let s = d[z - 4] + d[z - 3] + d[z - 2] + d[z - 1] + c + d[z + 1] + d[z + 2] + d[z + 3] + d[z + 4];
  let t = s * s;
  s = d[m4] + d[m3] + d[m2] + d[m1] + c + d[p1] + d[p2] + d[p3] + d[p4]; t += s * s;
  s = d[m3 - 3] + d[m2 - 2] + d[m1 - 1] + c + d[p1 + 1] + d[p2 + 2] + d[p3 + 3]; t += s * s;
  s = d[m3 + 3] + d[m2 + 2] + d[m1 + 1] + c + d[p1 - 1] + d[p2 - 2] + d[p3 - 3]; t += s * s;
  s = d[m3 - 2] + d[m2 - 1] + d[m1 - 1] + c + d[p1 + 1] + d[p2 + 1] + d[p3 + 2]; t += s * s;
  s = d[m3 + 2] + d[m2 + 1] + d[m1 + 1] + c + d[p1 - 1] + d[p2 - 1] + d[p3 - 2]; t += s * s;
  s = d[m2 - 3] + d[m1 - 2] + d[m1 - 1] + c + d[p1 + 1] + d[p1 + 2] + d[p2 + 3]; t += s * s;
  s = d[m2 + 3] + d[m1 + 2] + d[m1 + 1] + c + d[p1 - 1] + d[p1 - 2] + d[p2 - 3]; t += s * s;
  let twice = 0;
  s = d[m4 + 1] + d[m3 + 1] + d[m2 + 1] + d[m1] + c + d[p1] + d[p2 - 1] + d[p3 - 1] + d[p4 - 1]; twice += s * s;
  s = d[m4 - 1] + d[m3 - 1] + d[m2 - 1] + d[m1] + c + d[p1] + d[p2 + 1] + d[p3 + 1] + d[p4 + 1]; twice += s * s;
  s = d[m1 - 4] + d[m1 - 3] + d[m1 - 2] + d[z - 1] + c + d[z + 1] + d[p1 + 2] + d[p1 + 3] + d[p1 + 4]; twice += s * s;
  s = d[p1 - 4] + d[p1 - 3] + d[p1 - 2] + d[z - 1] + c + d[z + 1] + d[m1 + 2] + d[m1 + 3] + d[m1 + 4]; twice += s * s;
  return t + 2 * twice;
}

export const PAD = 4;

/** Zero-bordered buffer for the weighted differences, reused between calls. */
export class MaltaScratch {
  private buf = new Float32Array(0);
  padded(width: number, height: number): Float32Array {
    const size = (width + 2 * PAD) * (height + 2 * PAD);
    if (this.buf.length < size) this.buf = new Float32Array(size);
    this.buf.fill(0, 0, size);
    return this.buf;
  }
}

export interface MaltaWeights {
  /** Weight of the symmetric term (w_0gt1) and of the half-open ones (w_0lt1). */
  w0gt1: number;
  w0lt1: number;
  norm1: number;
}

/** acc += Malta(diff(lum0, lum1)). */
export function maltaDiffMap(
  kind: 'lf' | 'hf', lum0: Float32Array, lum1: Float32Array, { w0gt1, w0lt1, norm1 }: MaltaWeights,
  acc: Float32Array, width: number, height: number, scratch: MaltaScratch,
): void {
  const LEN = 3.75;
  const mulli = kind === 'lf' ? 0.611612573796 : 0.39905817637;
  const norm2gt1 = Math.fround(((mulli * Math.sqrt(0.5 * w0gt1)) / (LEN * 2 + 1)) * norm1);
  const norm2lt1 = Math.fround(((mulli * Math.sqrt(Math.fround(0.33) * w0lt1)) / (LEN * 2 + 1)) * norm1);
  const normF = Math.fround(norm1);
  const stride = width + 2 * PAD;
  const d = scratch.padded(width, height);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const po = (y + PAD) * stride + PAD;
    for (let x = 0; x < width; x++) {
      const v0 = lum0[o + x];
      const v1 = lum1[o + x];
      const absval = Math.fround(0.5 * (Math.abs(v0) + Math.abs(v1)));
      let diff = Math.fround(norm2gt1 / (normF + absval)) * (v0 - v1);
      const scaler2 = Math.fround(norm2lt1 / (normF + absval));
      const fabs0 = Math.abs(v0);
      const tooSmall = 0.55 * fabs0;
      const tooBig = 1.05 * fabs0;
      if (v0 < 0) {
        if (v1 > -tooSmall) diff -= scaler2 * (v1 + tooSmall);
        else if (v1 < -tooBig) diff += scaler2 * (-v1 - tooBig);
      } else if (v1 < tooSmall) diff += scaler2 * (tooSmall - v1);
      else if (v1 > tooBig) diff -= scaler2 * (v1 - tooBig);
      d[po + x] = diff;
    }
  }
  const energy = kind === 'lf' ? lineEnergyLf : lineEnergyHf;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const po = (y + PAD) * stride + PAD;
    for (let x = 0; x < width; x++) {
      acc[o + x] += energy(d, po + x, stride);
    }
  }
}
