/**
 * Butteraugli's Malta filter (libjxl 0.11 MaltaDiffMapT): a per-pixel weighted difference of two
 * bands, then, at every pixel, the sum of squares of its sums along 16 short lines through it
 * (the image is zero outside). Two line sets: 5 sparse taps for the low-frequency bands ("LF"),
 * 7–9 dense taps for the high ones. The dense set lists four lines twice, as libjxl does.
 */

type Line = [dx: number, dy: number][];

const LINES_LF: Line[] = [
  [[-4, 0], [-2, 0], [0, 0], [2, 0], [4, 0]],
  [[0, -4], [0, -2], [0, 0], [0, 2], [0, 4]],
  [[-3, -3], [-2, -2], [0, 0], [2, 2], [3, 3]],
  [[3, -3], [2, -2], [0, 0], [-2, 2], [-3, 3]],
  [[1, -4], [1, -2], [0, 0], [-1, 2], [-1, 4]],
  [[-1, -4], [-1, -2], [0, 0], [1, 2], [1, 4]],
  [[-4, -1], [-2, -1], [0, 0], [2, 1], [4, 1]],
  [[-4, 1], [-2, 1], [0, 0], [2, -1], [4, -1]],
  [[-2, -3], [-1, -2], [0, 0], [1, 2], [2, 3]],
  [[2, -3], [1, -2], [0, 0], [-1, 2], [-2, 3]],
  [[-3, -2], [-2, -1], [0, 0], [2, 1], [3, 2]],
  [[3, -2], [2, -1], [0, 0], [-2, 1], [-3, 2]],
  [[-4, 2], [-2, 1], [0, 0], [2, -1], [4, -2]],
  [[-4, -2], [-2, -1], [0, 0], [2, 1], [4, 2]],
  [[-2, -4], [-1, -2], [0, 0], [1, 2], [2, 4]],
  [[2, -4], [1, -2], [0, 0], [-1, 2], [-2, 4]],
];

const STEEP_RIGHT: Line = [[1, -4], [1, -3], [1, -2], [0, -1], [0, 0], [0, 1], [-1, 2], [-1, 3], [-1, 4]];
const STEEP_LEFT: Line = [[-1, -4], [-1, -3], [-1, -2], [0, -1], [0, 0], [0, 1], [1, 2], [1, 3], [1, 4]];
const FLAT_DOWN: Line = [[-4, -1], [-3, -1], [-2, -1], [-1, 0], [0, 0], [1, 0], [2, 1], [3, 1], [4, 1]];
const FLAT_UP: Line = [[-4, 1], [-3, 1], [-2, 1], [-1, 0], [0, 0], [1, 0], [2, -1], [3, -1], [4, -1]];

const LINES_HF: Line[] = [
  [[-4, 0], [-3, 0], [-2, 0], [-1, 0], [0, 0], [1, 0], [2, 0], [3, 0], [4, 0]],
  [[0, -4], [0, -3], [0, -2], [0, -1], [0, 0], [0, 1], [0, 2], [0, 3], [0, 4]],
  [[-3, -3], [-2, -2], [-1, -1], [0, 0], [1, 1], [2, 2], [3, 3]],
  [[3, -3], [2, -2], [1, -1], [0, 0], [-1, 1], [-2, 2], [-3, 3]],
  STEEP_RIGHT,
  STEEP_LEFT,
  FLAT_DOWN,
  FLAT_UP,
  [[-2, -3], [-1, -2], [-1, -1], [0, 0], [1, 1], [1, 2], [2, 3]],
  [[2, -3], [1, -2], [1, -1], [0, 0], [-1, 1], [-1, 2], [-2, 3]],
  [[-3, -2], [-2, -1], [-1, -1], [0, 0], [1, 1], [2, 1], [3, 2]],
  [[3, -2], [2, -1], [1, -1], [0, 0], [-1, 1], [-2, 1], [-3, 2]],
  FLAT_UP,
  FLAT_DOWN,
  STEEP_LEFT,
  STEEP_RIGHT,
];

export const PAD = 4;

/** Zero-bordered buffer for the weighted differences, reused between calls. */
export class MaltaScratch {
  private buf = new Float32Array(0);
  private offsets = new Map<string, Int32Array[]>();
  padded(width: number, height: number): Float32Array {
    const size = (width + 2 * PAD) * (height + 2 * PAD);
    if (this.buf.length < size) this.buf = new Float32Array(size);
    this.buf.fill(0, 0, size);
    return this.buf;
  }
  lineOffsets(lines: Line[], stride: number): Int32Array[] {
    const key = `${lines === LINES_LF ? 'lf' : 'hf'}:${stride}`;
    let o = this.offsets.get(key);
    if (!o) this.offsets.set(key, (o = lines.map((l) => Int32Array.from(l, ([dx, dy]) => dy * stride + dx))));
    return o;
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
  const lines = scratch.lineOffsets(kind === 'lf' ? LINES_LF : LINES_HF, stride);
  const nLines = lines.length;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const po = (y + PAD) * stride + PAD;
    for (let x = 0; x < width; x++) {
      const c = po + x;
      let total = 0;
      for (let l = 0; l < nLines; l++) {
        const taps = lines[l];
        let s = 0;
        for (let t = 0; t < taps.length; t++) s += d[c + taps[t]];
        total += s * s;
      }
      acc[o + x] += total;
    }
  }
}
