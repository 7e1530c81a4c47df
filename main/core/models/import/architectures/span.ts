/**
 * SPAN, Swift Parameter-free Attention Network (hongyuanyu/SPAN; spandrel architectures/SPAN): conv_1,
 * six SPAB blocks (three Conv3XC with SiLU between, then (out3 + x)·(sigmoid(out3) − 0.5)), conv_2,
 * a 1×1 conv over [features, block 6, block 1, block 6's activated first conv], and a pixel-shuffle upsampler.
 * Each Conv3XC runs as one 3×3 conv whose kernel is the 1×1 → 3×3 → 1×1 chain plus the 1×1 skip, fused
 * here exactly as the reference recomputes it on every forward (its stored eval_conv is not used).
 * Input: (x − RGB mean)·255 unless the file has `no_norm`; the output is in 0–1.
 */
import { add, addChannels, concat, conv, mul, pixelShuffle, scale, scaled, sigmoid } from '../../graph/layers.js';
import type { OnnxGraph } from '../../graph/onnx-graph.js';
import { ModelImportError, type Tensor } from '../state-dict.js';
import { hasAll, scaleAndChannels, type Architecture } from './architecture.js';
import type { Weights } from './weights.js';

const RGB_MEAN = [0.4488, 0.4371, 0.404];
const BLOCKS = 6;
type Conv = { weight: Tensor; bias: Tensor };

/** Reads one Conv3XC and fuses it into a single 3×3 conv (padding 1). */
function conv3xc(w: Weights, key: string, cin: number, cout: number): Conv {
  const sk = w.get(`${key}.sk.weight`, [cout, cin, 1, 1]).data;
  const skB = w.get(`${key}.sk.bias`, [cout]).data;
  const w1 = w.get(`${key}.conv.0.weight`, [undefined, cin, 1, 1]);
  const mid1 = w1.shape[0];
  const b1 = w.get(`${key}.conv.0.bias`, [mid1]).data;
  const w2 = w.get(`${key}.conv.1.weight`, [undefined, mid1, 3, 3]);
  const mid2 = w2.shape[0];
  const b2 = w.get(`${key}.conv.1.bias`, [mid2]).data;
  const w3 = w.get(`${key}.conv.2.weight`, [cout, mid2, 1, 1]).data;
  const b3 = w.get(`${key}.conv.2.bias`, [cout]).data;
  w.ignore(`${key}.eval_conv.weight`);
  w.ignore(`${key}.eval_conv.bias`);
  // A[m][i][k] = Σn w2[m][n][k]·w1[n][i]; W[o][i][k] = Σm w3[o][m]·A[m][i][k].
  const a = new Float64Array(mid2 * cin * 9);
  for (let m = 0; m < mid2; m++)
    for (let n = 0; n < mid1; n++)
      for (let k = 0; k < 9; k++) {
        const v = w2.data[(m * mid1 + n) * 9 + k];
        for (let i = 0; i < cin; i++) a[(m * cin + i) * 9 + k] += v * w1.data[n * cin + i];
      }
  const bMid = new Float64Array(mid2);
  for (let m = 0; m < mid2; m++) {
    let s = b2[m];
    for (let n = 0; n < mid1; n++) for (let k = 0; k < 9; k++) s += w2.data[(m * mid1 + n) * 9 + k] * b1[n];
    bMid[m] = s;
  }
  const weight = new Float32Array(cout * cin * 9);
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    let s = b3[o] + skB[o];
    for (let m = 0; m < mid2; m++) {
      const k3 = w3[o * mid2 + m];
      s += k3 * bMid[m];
      for (let j = 0; j < cin * 9; j++) weight[o * cin * 9 + j] += k3 * a[m * cin * 9 + j];
    }
    bias[o] = s;
    for (let i = 0; i < cin; i++) weight[(o * cin + i) * 9 + 4] += sk[o * cin + i];
  }
  return { weight: { shape: [cout, cin, 3, 3], data: weight }, bias: { shape: [cout], data: bias } };
}

export const span: Architecture = {
  name: 'SPAN',
  detect: (sd) =>
    hasAll(sd, 'conv_1.sk.weight', 'block_1.c1_r.sk.weight', 'block_1.c1_r.eval_conv.weight', 'block_1.c3_r.eval_conv.weight', 'conv_cat.weight', 'conv_2.sk.weight', 'conv_2.eval_conv.weight', 'upsampler.0.weight'),
  load(w) {
    const [nf, inNc] = w.get('conv_1.sk.weight').shape;
    const conv1 = conv3xc(w, 'conv_1', inNc, nf);
    const blocks = Array.from({ length: BLOCKS }, (_, b) => ['c1_r', 'c2_r', 'c3_r'].map((c) => conv3xc(w, `block_${b + 1}.${c}`, nf, nf)));
    const conv2 = conv3xc(w, 'conv_2', nf, nf);
    const cat = { weight: w.get('conv_cat.weight', [nf, 4 * nf, 1, 1]), bias: w.get('conv_cat.bias', [nf]) };
    const upW = w.get('upsampler.0.weight', [undefined, nf, 3, 3]);
    const up = { weight: upW, bias: w.get('upsampler.0.bias', [upW.shape[0]]) };
    const norm = !w.has('no_norm');
    w.ignore('no_norm');
    w.checkAllUsed('SPAN');
    const sc = scaleAndChannels(upW.shape[0], inNc);
    if (!sc) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the SPAN graph: tensor upsampler.0.weight has ${upW.shape[0]} outputs, not scale² × channels`);
    if (norm && inNc !== 3) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the SPAN graph: RGB mean normalisation on ${inNc} input channels`);
    return {
      descriptor: { architecture: 'SPAN', scale: sc.scale, inChannels: inNc, outChannels: sc.outChannels, details: { features: nf, blocks: BLOCKS, ...(norm ? {} : { norm: 'off' }) }, sizeMultiple: 1 },
      build: (g) => buildSpan(g, { conv1, blocks, conv2, cat, up, norm, scale: sc.scale }),
    };
  },
};

function buildSpan(g: OnnxGraph, m: { conv1: Conv; blocks: Conv[][]; conv2: Conv; cat: Conv; up: Conv; norm: boolean; scale: number }): void {
  // (x/255 − mean)·255 = x − 255·mean; without norm the net sees x/255.
  const x = m.norm ? addChannels(g, 'input', RGB_MEAN.map((v) => -255 * v), 'normalise') : scale(g, 'input', 1 / 255, 'to_unit');
  const silu = (t: string, name: string) => mul(g, t, sigmoid(g, t, `${name}_sigmoid`), name);
  const feature = conv(g, x, 'conv_1', m.conv1.weight, m.conv1.bias);
  let h = feature;
  let b1 = '';
  let b5second = '';
  m.blocks.forEach(([c1, c2, c3], i) => {
    const name = `block_${i + 1}`;
    const out1 = conv(g, h, `${name}.c1_r`, c1.weight, c1.bias);
    const act1 = silu(out1, `${name}.act1a`);
    const out2 = conv(g, act1, `${name}.c2_r`, c2.weight, c2.bias);
    const out3 = conv(g, silu(out2, `${name}.act1b`), `${name}.c3_r`, c3.weight, c3.bias);
    const att = addChannels(g, sigmoid(g, out3, `${name}.sigmoid`), [-0.5], `${name}.sim_att`);
    h = mul(g, add(g, out3, h, `${name}.skip`), att, `${name}.out`);
    if (i === 0) b1 = h;
    // The reference's SiLU is in place, so the "first conv" output it concatenates is already activated.
    if (i === m.blocks.length - 1) b5second = act1;
  });
  const b6 = conv(g, h, 'conv_2', m.conv2.weight, m.conv2.bias);
  const fused = conv(g, concat(g, [feature, b6, b1, b5second], 'cat'), 'conv_cat', m.cat.weight, m.cat.bias);
  // The net's output is in 0–1: the 255 folds into the upsampler's conv.
  pixelShuffle(g, conv(g, fused, 'upsampler.0', scaled(m.up.weight, 255), scaled(m.up.bias, 255)), m.scale, 'upsampler.1', 'output');
}
