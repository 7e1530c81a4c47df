import type { RawImage } from './raw.js';

/**
 * Separable convolution resampling with true bicubic (Keys, a = -0.5) and Lanczos-3 kernels, the way
 * Pillow does it. sharp maps every kernel but nearest/linear to the same bicubic interpolator when
 * enlarging, so the two baselines would otherwise be the same image.
 */
export type ResampleKernel = 'cubic' | 'lanczos3';

const KERNELS: Record<ResampleKernel, { support: number; fn: (x: number) => number }> = {
  cubic: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos3: {
    support: 3,
    fn: (x) => {
      if (x === 0) return 1;
      if (x <= -3 || x >= 3) return 0;
      const px = Math.PI * x;
      return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
    },
  },
};

interface Taps {
  start: Int32Array;
  count: number;
  weights: Float32Array;
}

function taps(inSize: number, outSize: number, kernel: ResampleKernel): Taps {
  const { support: baseSupport, fn } = KERNELS[kernel];
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = baseSupport * filterScale;
  const count = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const weights = new Float32Array(outSize * count);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    start[o] = lo;
    let sum = 0;
    for (let i = lo; i < hi && i - lo < count; i++) {
      const w = fn((i + 0.5 - center) / filterScale);
      weights[o * count + (i - lo)] = w;
      sum += w;
    }
    if (sum !== 0) for (let k = 0; k < count; k++) weights[o * count + k] /= sum;
  }
  return { start, count, weights };
}

export function resample(img: RawImage, outW: number, outH: number, kernel: ResampleKernel): RawImage {
  const c = img.channels;
  const { width: inW, height: inH, data } = img;
  // Horizontal pass into floats (inH × outW), then vertical pass into bytes.
  const h = taps(inW, outW, kernel);
  const mid = new Float32Array(inH * outW * c);
  for (let y = 0; y < inH; y++) {
    const row = y * inW * c;
    const dst = y * outW * c;
    for (let x = 0; x < outW; x++) {
      const s = h.start[x];
      const wo = x * h.count;
      const n = Math.min(h.count, inW - s);
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += h.weights[wo + k] * data[row + (s + k) * c + ch];
        mid[dst + x * c + ch] = acc;
      }
    }
  }
  const v = taps(inH, outH, kernel);
  const out = Buffer.allocUnsafe(outW * outH * c);
  const stride = outW * c;
  for (let y = 0; y < outH; y++) {
    const s = v.start[y];
    const wo = y * v.count;
    const n = Math.min(v.count, inH - s);
    const dst = y * stride;
    for (let i = 0; i < stride; i++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += v.weights[wo + k] * mid[(s + k) * stride + i];
      out[dst + i] = acc <= 0 ? 0 : acc >= 255 ? 255 : Math.round(acc);
    }
  }
  return { data: out, width: outW, height: outH, channels: c };
}
