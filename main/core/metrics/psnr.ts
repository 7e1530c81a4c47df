import type { RawImage } from '../image/raw.js';

/** scikit-image's peak_signal_noise_ratio on 8-bit data (data range 255), over every channel given. */
export function psnr(a: RawImage, b: RawImage): number {
  assertSameShape(a, b);
  let sum = 0;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    sum += d * d;
  }
  const mse = sum / x.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

export function assertSameShape(a: RawImage, b: RawImage): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`images differ in shape: ${a.width}×${a.height}×${a.channels} vs ${b.width}×${b.height}×${b.channels}`);
  }
}
