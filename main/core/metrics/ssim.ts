/**
 * scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
 * data_range=255) on single-channel 8-bit images. The Gaussian window (radius 5) is applied
 * separably; only the interior that scikit-image averages (a 5 px border cropped) is computed, in
 * bands of rows, so memory stays small on 24 MP images.
 */
const SIGMA = 1.5;
const RADIUS = Math.trunc(3.5 * SIGMA + 0.5);
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;
const BAND = 64;

const WEIGHTS = (() => {
  const w = new Float64Array(2 * RADIUS + 1);
  let sum = 0;
  for (let i = -RADIUS; i <= RADIUS; i++) sum += w[i + RADIUS] = Math.exp((-0.5 * i * i) / (SIGMA * SIGMA));
  for (let i = 0; i < w.length; i++) w[i] /= sum;
  return w;
})();

export function ssim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  if (a.length !== width * height || b.length !== width * height) throw new Error('ssim: buffer size does not match dimensions');
  const win = 2 * RADIUS + 1;
  if (width < win || height < win) {
    throw new Error(`ssim needs at least ${win}×${win} pixels (got ${width}×${height})`);
  }
  const outW = width - 2 * RADIUS;
  const outH = height - 2 * RADIUS;
  const rowsIn = BAND + 2 * RADIUS;
  // Horizontally filtered x, y, xx, yy, xy for the rows of one band (plus halo).
  const hx = new Float64Array(rowsIn * outW);
  const hy = new Float64Array(rowsIn * outW);
  const hxx = new Float64Array(rowsIn * outW);
  const hyy = new Float64Array(rowsIn * outW);
  const hxy = new Float64Array(rowsIn * outW);
  const w = WEIGHTS;
  let total = 0;

  for (let y0 = 0; y0 < outH; y0 += BAND) {
    const bandRows = Math.min(BAND, outH - y0);
    const inRows = bandRows + 2 * RADIUS;
    for (let r = 0; r < inRows; r++) {
      const src = (y0 + r) * width;
      const dst = r * outW;
      for (let x = 0; x < outW; x++) {
        let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (let k = 0; k < win; k++) {
          const p = src + x + k;
          const wk = w[k];
          const va = a[p];
          const vb = b[p];
          sx += wk * va;
          sy += wk * vb;
          sxx += wk * va * va;
          syy += wk * vb * vb;
          sxy += wk * va * vb;
        }
        hx[dst + x] = sx;
        hy[dst + x] = sy;
        hxx[dst + x] = sxx;
        hyy[dst + x] = syy;
        hxy[dst + x] = sxy;
      }
    }
    for (let r = 0; r < bandRows; r++) {
      for (let x = 0; x < outW; x++) {
        let ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0;
        for (let k = 0; k < win; k++) {
          const p = (r + k) * outW + x;
          const wk = w[k];
          ux += wk * hx[p];
          uy += wk * hy[p];
          uxx += wk * hxx[p];
          uyy += wk * hyy[p];
          uxy += wk * hxy[p];
        }
        const vx = uxx - ux * ux;
        const vy = uyy - uy * uy;
        const vxy = uxy - ux * uy;
        total += ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
      }
    }
  }
  return total / (outW * outH);
}
