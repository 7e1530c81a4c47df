/**
 * State dicts with random weights in the published layouts (Real-ESRGAN's RRDBNet, SRVGGNetCompact), for
 * timing imported models without shipping anyone's weights. Deterministic: the same call gives the same numbers.
 */
import type { StateDict, Tensor } from '../main/core/models/import/state-dict.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function conv(sd: StateDict, name: string, out: number, inp: number, next: () => number, k = 3) {
  // Kaiming-like scale keeps activations in range through 23 blocks of random weights.
  const scale = Math.sqrt(6 / (inp * k * k)) * 0.5;
  const w: Tensor = { shape: [out, inp, k, k], data: Float32Array.from({ length: out * inp * k * k }, () => next() * 2 * scale) };
  sd.set(`${name}.weight`, w);
  sd.set(`${name}.bias`, { shape: [out], data: Float32Array.from({ length: out }, () => next() * 0.01) });
}

/** Real-ESRGAN's RRDBNet (`conv_first`, `body.N.rdbK.convJ`, …), x4: 23 blocks and 64 features is RealESRGAN_x4plus's size. */
export function rrdbnet(blocks = 23, feats = 64, grow = 32, seed = 1): StateDict {
  const sd: StateDict = new Map();
  const next = rng(seed);
  conv(sd, 'conv_first', feats, 3, next);
  for (let b = 0; b < blocks; b++) {
    for (let r = 1; r <= 3; r++) {
      for (let j = 1; j <= 5; j++) conv(sd, `body.${b}.rdb${r}.conv${j}`, j === 5 ? feats : grow, feats + (j - 1) * grow, next);
    }
  }
  for (const n of ['conv_body', 'conv_up1', 'conv_up2', 'conv_hr']) conv(sd, n, feats, feats, next);
  conv(sd, 'conv_last', 3, feats, next);
  return sd;
}

/** SRVGGNetCompact (`body.0` conv, `body.1` PReLU, …, last conv to 3·scale² channels). */
export function compact(feats = 64, convs = 16, scale = 4, seed = 2): StateDict {
  const sd: StateDict = new Map();
  const next = rng(seed);
  let i = 0;
  const prelu = () => sd.set(`body.${i++}.weight`, { shape: [feats], data: new Float32Array(feats).fill(0.25) });
  conv(sd, `body.${i++}`, feats, 3, next);
  prelu();
  for (let c = 0; c < convs; c++) {
    conv(sd, `body.${i++}`, feats, feats, next);
    prelu();
  }
  conv(sd, `body.${i++}`, 3 * scale * scale, feats, next);
  return sd;
}

/** GFLOP (2 × multiply-adds) per output megapixel at x4, counted from the convolutions above. */
export function gflopPerOutputMp(kind: 'rrdbnet' | 'compact', o: { blocks?: number; feats?: number; grow?: number; convs?: number } = {}): number {
  const f = o.feats ?? 64;
  const k = 9;
  let perLrPixel: number; // multiply-adds per low-resolution input pixel
  if (kind === 'rrdbnet') {
    const g = o.grow ?? 32;
    let rdb = 0;
    for (let j = 1; j <= 5; j++) rdb += (f + (j - 1) * g) * (j === 5 ? f : g) * k;
    // trunk at LR; conv_up1 at 2× (4 px), conv_up2, conv_hr and conv_last at 4× (16 px)
    perLrPixel = 3 * f * k + (o.blocks ?? 23) * 3 * rdb + f * f * k + 4 * f * f * k + 16 * (2 * f * f * k + f * 3 * k);
  } else {
    perLrPixel = 3 * f * k + (o.convs ?? 16) * f * f * k + f * 48 * k;
  }
  return (2 * perLrPixel) / 16 / 1e3; // per output pixel, in GFLOP per megapixel
}
