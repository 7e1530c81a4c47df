/**
 * State dicts with deterministic pseudo-random weights in the published layouts, for timing imported
 * architectures at full size (`bench:perf`) without shipping anyone's weights. Not for quality numbers.
 */
import type { StateDict, Tensor } from '../main/core/models/import/state-dict.js';

function tensor(shape: number[], seed: number, scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return { shape, data };
}

/** Real-ESRGAN-layout RRDBNet (x4plus is blocks 23, features 64, growth 32, scale 4). */
export function syntheticRrdbNet(o: { blocks: number; features?: number; growth?: number; scale?: 1 | 2 | 4 }): StateDict {
  const nf = o.features ?? 64;
  const gc = o.growth ?? 32;
  const inNc = 3 * (o.scale === 2 ? 4 : o.scale === 1 ? 16 : 1);
  const sd: StateDict = new Map();
  let seed = 1;
  const conv = (key: string, cout: number, cin: number) => {
    const bound = 1 / Math.sqrt(cin * 9);
    sd.set(`${key}.weight`, tensor([cout, cin, 3, 3], seed++, bound));
    sd.set(`${key}.bias`, tensor([cout], seed++, bound));
  };
  conv('conv_first', nf, inNc);
  for (let b = 0; b < o.blocks; b++)
    for (let r = 1; r <= 3; r++) for (let c = 1; c <= 5; c++) conv(`body.${b}.rdb${r}.conv${c}`, c === 5 ? nf : gc, nf + (c - 1) * gc);
  for (const k of ['conv_body', 'conv_up1', 'conv_up2', 'conv_hr']) conv(k, nf, nf);
  conv('conv_last', 3, nf);
  return sd;
}

/** SRVGGNetCompact (realesr-general-x4v3 is features 64, convs 32, scale 4). */
export function syntheticCompact(o: { convs: number; features?: number; scale?: number }): StateDict {
  const nf = o.features ?? 64;
  const s = o.scale ?? 4;
  const sd: StateDict = new Map();
  let seed = 7;
  for (let i = 0; i <= o.convs + 1; i++) {
    const cin = i === 0 ? 3 : nf;
    const cout = i === o.convs + 1 ? 3 * s * s : nf;
    sd.set(`body.${2 * i}.weight`, tensor([cout, cin, 3, 3], seed++, 1 / Math.sqrt(cin * 9)));
    sd.set(`body.${2 * i}.bias`, tensor([cout], seed++, 0.01));
    if (i <= o.convs) sd.set(`body.${2 * i + 1}.weight`, tensor([nf], seed++, 0.25));
  }
  return sd;
}

/** Multiply-adds ×2 per output pixel of a Real-ESRGAN RRDBNet at ×4 (for shares of the fp32 ceiling). */
export function rrdbGflopPerOutputMp(blocks: number, nf = 64, gc = 32): number {
  const k = 2 * 9;
  let rdb = 0;
  for (let c = 1; c <= 5; c++) rdb += (nf + (c - 1) * gc) * (c === 5 ? nf : gc);
  const perInput = k * (3 * nf + 3 * blocks * rdb + nf * nf) + k * nf * nf * (4 + 16 + 16) + k * nf * 3 * 16;
  return (perInput / 16) * 1e6 / 1e9;
}

/** The same for SRVGGNetCompact. */
export function compactGflopPerOutputMp(convs: number, nf = 64, scale = 4): number {
  const perInput = 2 * 9 * (3 * nf + convs * nf * nf + nf * 3 * scale * scale);
  return (perInput / (scale * scale)) * 1e6 / 1e9;
}
