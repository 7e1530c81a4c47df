/**
 * OmniSR, Omni Aggregation Networks (Francis0625/Omni-SR; spandrel architectures/OmniSR): input conv →
 * residual groups (OSAG: OSA blocks + 1×1 conv + skip, then ESA) → output conv + skip → pixel shuffle.
 * An OSA block is MBConv (with squeeze-excitation), window self-attention, channel attention, grid
 * self-attention and grid channel attention, each followed by a gated feed-forward. The input is padded with
 * zeros to a multiple of the window (8) and the output cropped, as the reference does. Attention spans whole
 * windows and, in the grid steps, the whole tile: a tiled image differs slightly from an untiled one.
 */
import {
  add,
  conv,
  cropTo,
  gelu,
  layerNormChannels,
  layerNormLast,
  linear,
  mul,
  pixelShuffle,
  reshape,
  scaled,
  sigmoid,
  silu,
  spatialSize,
  transpose,
  type WindowGrid,
  windowGrid,
  zeroPadToMultiple,
} from '../../graph/layers.js';
import { attr, type OnnxGraph } from '../../graph/onnx-graph.js';
import { ModelImportError, type Tensor } from '../state-dict.js';
import { hasAll, scaleAndChannels, type Architecture } from './architecture.js';
import type { Weights } from './weights.js';
import { relativePositionBias, rows } from './window-attention.js';

export const omnisr: Architecture = {
  name: 'OmniSR',
  detect: (sd) => hasAll(sd, 'residual_layer.0.residual_layer.0.layer.0.fn.0.weight', 'input.weight', 'up.0.weight'),
  load(w) {
    for (const k of w.sd.keys()) if (k.endsWith('total_ops') || k.endsWith('total_params')) w.ignore(k);
    const inW = w.get('input.weight', [undefined, undefined, 3, 3]);
    const [nf, inNc] = inW.shape;
    if (nf % 4) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the OmniSR graph: tensor input.weight has ${nf} features, not a multiple of 4 heads`);
    const bias = w.has('input.bias');
    const groups = w.maxIndex(/^residual_layer\.(\d+)\./) + 1;
    const blocks = w.maxIndex(/^residual_layer\.0\.residual_layer\.(\d+)\./); // the last index is the 1×1 conv
    const pe = w.has('residual_layer.0.residual_layer.0.layer.2.fn.rel_pos_bias.weight');
    const window = pe ? Math.round((Math.sqrt(w.get('residual_layer.0.residual_layer.0.layer.2.fn.rel_pos_bias.weight').shape[0]) + 1) / 2) : 8;
    const upW = w.get('up.0.weight', [undefined, nf, 3, 3]);
    const sc = scaleAndChannels(upW.shape[0], inNc);
    if (!sc) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the OmniSR graph: tensor up.0.weight has ${upW.shape[0]} outputs, not scale² × channels`);
    const b = (key: string, n: number) => (bias ? w.get(key, [n]) : undefined);
    const m = {
      input: { weight: inW, bias: b('input.bias', nf) },
      output: { weight: w.get('output.weight', [nf, nf, 3, 3]), bias: b('output.bias', nf) },
      up: { weight: upW, bias: b('up.0.bias', upW.shape[0]) },
    };
    const esaC = Math.max(nf / 4, 16);
    // Read everything now (shape checks), build later.
    const groupWeights = Array.from({ length: groups }, (_, gi) => {
      const p = `residual_layer.${gi}`;
      const osa = Array.from({ length: blocks }, (_, bi) => readOsa(w, `${p}.residual_layer.${bi}.layer`, nf, window, pe));
      const tail = { weight: w.get(`${p}.residual_layer.${blocks}.weight`, [nf, nf, 1, 1]), bias: b(`${p}.residual_layer.${blocks}.bias`, nf) };
      const e = (k: string, cout: number, cin: number, ks: number) => ({ weight: w.get(`${p}.esa.${k}.weight`, [cout, cin, ks, ks]), bias: w.get(`${p}.esa.${k}.bias`, [cout]) });
      const esa = { conv1: e('conv1', esaC, nf, 1), convF: e('conv_f', esaC, esaC, 1), conv2: e('conv2', esaC, esaC, 3), conv3: e('conv3', esaC, esaC, 3), conv4: e('conv4', nf, esaC, 1) };
      return { osa, tail, esa };
    });
    w.checkAllUsed('OmniSR');
    return {
      descriptor: {
        architecture: 'OmniSR',
        scale: sc.scale,
        inChannels: inNc,
        outChannels: sc.outChannels,
        details: { groups, blocks, features: nf, window },
        // Windows line up with the whole image only when tiles start on multiples of the window.
        sizeMultiple: window,
      },
      build(g) {
        const hw0 = spatialSize(g, 'input', 'input');
        const x = zeroPadToMultiple(g, 'input', hw0, window, 'pad_to_window');
        const dyn = windowGrid(g, x, window);
        const residual = conv(g, x, 'input', scaled(m.input.weight, 1 / 255), m.input.bias);
        let h = residual;
        groupWeights.forEach((gw, gi) => {
          const p = `residual_layer.${gi}`;
          const groupIn = h;
          gw.osa.forEach((o, bi) => (h = buildOsa(g, h, o, `${p}.${bi}`, nf, window, dyn)));
          h = add(g, conv(g, h, `${p}.tail`, gw.tail.weight, gw.tail.bias), groupIn, `${p}.skip`);
          h = buildEsa(g, h, gw.esa, `${p}.esa`, esaC, dyn);
        });
        h = add(g, conv(g, h, 'output', m.output.weight, m.output.bias), residual, 'output_skip');
        const up = conv(g, h, 'up.0', scaled(m.up.weight, 255), m.up.bias ? scaled(m.up.bias, 255) : undefined);
        cropTo(g, pixelShuffle(g, up, sc.scale, 'up.1'), hw0, sc.scale, 'crop', 'output');
      },
    };
  },
};

type ConvW = { weight: Tensor; bias?: Tensor };

function readOsa(w: Weights, p: string, c: number, win: number, pe: boolean) {
  const se = Math.floor(c * 0.25);
  const mb = {
    c1: { weight: w.get(`${p}.0.fn.0.weight`, [c, c, 1, 1]), bias: w.get(`${p}.0.fn.0.bias`, [c]) },
    dw: { weight: w.get(`${p}.0.fn.2.weight`, [c, 1, 3, 3]), bias: w.get(`${p}.0.fn.2.bias`, [c]) },
    se1: w.get(`${p}.0.fn.4.gate.1.weight`, [se, c]),
    se2: w.get(`${p}.0.fn.4.gate.3.weight`, [c, se]),
    c2: { weight: w.get(`${p}.0.fn.5.weight`, [c, c, 1, 1]), bias: w.get(`${p}.0.fn.5.bias`, [c]) },
  };
  const attn = (i: number) => ({
    norm: { weight: w.get(`${p}.${i}.norm.weight`, [c]), bias: w.get(`${p}.${i}.norm.bias`, [c]) },
    qkv: w.get(`${p}.${i}.fn.to_qkv.weight`, [3 * c, c]),
    out: w.get(`${p}.${i}.fn.to_out.0.weight`, [c, c]),
    rel: pe ? w.get(`${p}.${i}.fn.rel_pos_bias.weight`, [(2 * win - 1) ** 2, 4]) : undefined,
  });
  const norm2d = (i: number) => ({ weight: w.get(`${p}.${i}.norm.weight`, [c]), bias: w.get(`${p}.${i}.norm.bias`, [c]) });
  const ff = (i: number) => ({
    norm: norm2d(i),
    projectIn: w.get(`${p}.${i}.fn.project_in.weight`, [2 * c, c, 1, 1]),
    dw: w.get(`${p}.${i}.fn.dwconv.weight`, [2 * c, 1, 3, 3]),
    projectOut: w.get(`${p}.${i}.fn.project_out.weight`, [c, c, 1, 1]),
  });
  const ca = (i: number) => ({
    norm: norm2d(i),
    temperature: w.get(`${p}.${i}.fn.temperature`, [4, 1, 1]),
    qkv: w.get(`${p}.${i}.fn.qkv.weight`, [3 * c, c, 1, 1]),
    dw: w.get(`${p}.${i}.fn.qkv_dwconv.weight`, [3 * c, 1, 3, 3]),
    projectOut: w.get(`${p}.${i}.fn.project_out.weight`, [c, c, 1, 1]),
  });
  return { mb, blockAttn: attn(2), ff1: ff(4), ca: ca(5), ff2: ff(6), gridAttn: attn(8), ff3: ff(10), gridCa: ca(11), ff4: ff(12) };
}

type Osa = ReturnType<typeof readOsa>;

function buildOsa(g: OnnxGraph, x: string, o: Osa, name: string, c: number, win: number, d: WindowGrid): string {
  // MBConv with squeeze-excitation, residual.
  let h = gelu(g, conv(g, x, `${name}.mb.conv1`, o.mb.c1.weight, o.mb.c1.bias), `${name}.mb.gelu1`);
  h = gelu(g, conv(g, h, `${name}.mb.dw`, o.mb.dw.weight, o.mb.dw.bias, { groups: c }), `${name}.mb.gelu2`);
  const pooled = g.node('ReduceMean', [h], `${name}.se.pool`, [attr.ints('axes', [2, 3]), attr.int('keepdims', 1)]);
  const asConv = (t: Tensor) => ({ shape: [...t.shape, 1, 1], data: t.data });
  const gate = sigmoid(g, conv(g, silu(g, conv(g, pooled, `${name}.se.fc1`, asConv(o.mb.se1)), `${name}.se.silu`), `${name}.se.fc2`, asConv(o.mb.se2)), `${name}.se.gate`);
  h = conv(g, mul(g, h, gate, `${name}.se.out`), `${name}.mb.conv2`, o.mb.c2.weight, o.mb.c2.bias);
  x = add(g, h, x, `${name}.mb.out`);

  x = add(g, windowAttention(g, x, o.blockAttn, `${name}.block_attn`, c, win, d, false), x, `${name}.block_attn.out`);
  x = add(g, gatedFeedForward(g, x, o.ff1, `${name}.ff1`, c), x, `${name}.ff1.out`);
  x = add(g, channelAttention(g, x, o.ca, `${name}.ca`, c, win, d, false), x, `${name}.ca.out`);
  x = add(g, gatedFeedForward(g, x, o.ff2, `${name}.ff2`, c), x, `${name}.ff2.out`);
  x = add(g, windowAttention(g, x, o.gridAttn, `${name}.grid_attn`, c, win, d, true), x, `${name}.grid_attn.out`);
  x = add(g, gatedFeedForward(g, x, o.ff3, `${name}.ff3`, c), x, `${name}.ff3.out`);
  x = add(g, channelAttention(g, x, o.gridCa, `${name}.grid_ca`, c, win, d, true), x, `${name}.grid_ca.out`);
  return add(g, gatedFeedForward(g, x, o.ff4, `${name}.ff4`, c), x, `${name}.ff4.out`);
}

/** LayerNorm over channels, then self-attention within w×w windows (block) or across a dilated grid. */
function windowAttention(g: OnnxGraph, x: string, a: Osa['blockAttn'], name: string, c: number, win: number, d: WindowGrid, grid: boolean): string {
  const heads = 4;
  const dh = c / heads;
  const n = win * win;
  // block: b d (x w1) (y w2) -> b x y w1 w2 d; grid: b d (w1 x) (w2 y) -> b x y w1 w2 d.
  const split = grid ? reshape(g, x, [1, c, win, d.X, win, d.Y], `${name}.split`) : reshape(g, x, [1, c, d.X, win, d.Y, win], `${name}.split`);
  const windows = transpose(g, split, grid ? [0, 3, 5, 2, 4, 1] : [0, 2, 4, 3, 5, 1], `${name}.windows`);
  const flat = reshape(g, windows, [-1, n, c], `${name}.flat`);
  const normed = layerNormLast(g, flat, `${name}.norm`, a.norm.weight, a.norm.bias, 1e-5);
  // q carries the 1/√dh scale in its weights.
  const q = linear(g, normed, `${name}.q`, scaled(rows(a.qkv, 0, c), dh ** -0.5));
  const k = linear(g, normed, `${name}.k`, rows(a.qkv, c, 2 * c));
  const v = linear(g, normed, `${name}.v`, rows(a.qkv, 2 * c, 3 * c));
  const heads4 = (t: string, perm: number[], tag: string) => transpose(g, reshape(g, t, [0, 0, heads, dh], `${name}.${tag}_heads`), perm, `${name}.${tag}_t`);
  let sim = g.node('MatMul', [heads4(q, [0, 2, 1, 3], 'q'), heads4(k, [0, 2, 3, 1], 'k')], `${name}.sim`);
  if (a.rel) {
    sim = g.node('Add', [sim, g.constant(g.fresh(`${name}.rel_pos_bias`), [heads, n, n], relativePositionBias(a.rel, heads, win), true)], `${name}.sim_pe`);
  }
  const attn = g.node('Softmax', [sim], `${name}.softmax`, [attr.int('axis', -1)]);
  const out = g.node('MatMul', [attn, heads4(v, [0, 2, 1, 3], 'v')], `${name}.mix`);
  const merged = reshape(g, transpose(g, out, [0, 2, 1, 3], `${name}.merge_t`), [0, 0, c], `${name}.merge`);
  const projected = linear(g, merged, `${name}.to_out`, a.out);
  const back = transpose(g, reshape(g, projected, [1, d.X, d.Y, win, win, c], `${name}.unflat`), grid ? [0, 5, 3, 1, 4, 2] : [0, 5, 1, 3, 2, 4], `${name}.unwindows`);
  return reshape(g, back, [1, c, d.H, d.W], `${name}.image`);
}

/** LayerNorm2d, then project_in → depthwise 3×3 → gelu(first half) · second half → project_out. */
function gatedFeedForward(g: OnnxGraph, x: string, f: Osa['ff1'], name: string, c: number): string {
  const normed = layerNormChannels(g, x, `${name}.norm`, f.norm.weight, f.norm.bias, 1e-6);
  const half = (from: number, tag: string) =>
    conv(g, conv(g, normed, `${name}.project_in_${tag}`, rows(f.projectIn, from, from + c)), `${name}.dwconv_${tag}`, rows(f.dw, from, from + c), undefined, { groups: c });
  const gated = mul(g, gelu(g, half(0, 'a'), `${name}.gelu`), half(c, 'b'), `${name}.gated`);
  return conv(g, gated, `${name}.project_out`, f.projectOut);
}

/** LayerNorm2d, then attention between channels of each p×p window (or of each grid phase). */
function channelAttention(g: OnnxGraph, x: string, a: Osa['ca'], name: string, c: number, p: number, d: WindowGrid, grid: boolean): string {
  const heads = 4;
  const dc = c / heads;
  const normed = layerNormChannels(g, x, `${name}.norm`, a.norm.weight, a.norm.bias, 1e-6);
  const part = (from: number, tag: string) => {
    const t = conv(g, conv(g, normed, `${name}.qkv_${tag}`, rows(a.qkv, from, from + c)), `${name}.qkv_dwconv_${tag}`, rows(a.dw, from, from + c), undefined, { groups: c });
    const split = reshape(g, t, [1, heads, dc, d.X, p, d.Y, p], `${name}.${tag}_split`);
    // window: b (h w) head d (ph pw); grid: b (ph pw) head d (h w)
    return grid
      ? reshape(g, transpose(g, split, [0, 4, 6, 1, 2, 3, 5], `${name}.${tag}_t`), [1, p * p, heads, dc, -1], `${name}.${tag}`)
      : reshape(g, transpose(g, split, [0, 3, 5, 1, 2, 4, 6], `${name}.${tag}_t`), [1, -1, heads, dc, p * p], `${name}.${tag}`);
  };
  const l2normalise = (t: string, tag: string) => {
    const norm = g.node('ReduceL2', [t], `${name}.${tag}_l2`, [attr.ints('axes', [-1]), attr.int('keepdims', 1)]);
    return g.node('Div', [t, g.node('Max', [norm, g.constant(g.fresh(`${name}.${tag}_eps`), [], [1e-12])], `${name}.${tag}_l2eps`)], `${name}.${tag}_unit`);
  };
  const q = l2normalise(part(0, 'q'), 'q');
  const k = l2normalise(part(c, 'k'), 'k');
  const v = part(2 * c, 'v');
  const sim = g.node('MatMul', [q, transpose(g, k, [0, 1, 2, 4, 3], `${name}.kT`)], `${name}.sim`);
  const t = g.node('Mul', [sim, g.constant(g.fresh(`${name}.temperature`), [heads, 1, 1], a.temperature.data, true)], `${name}.sim_t`);
  const out = g.node('MatMul', [g.node('Softmax', [t], `${name}.softmax`, [attr.int('axis', -1)]), v], `${name}.mix`);
  const back = grid
    ? transpose(g, reshape(g, out, [1, p, p, heads, dc, d.X, d.Y], `${name}.unsplit`), [0, 3, 4, 5, 1, 6, 2], `${name}.unsplit_t`)
    : transpose(g, reshape(g, out, [1, d.X, d.Y, heads, dc, p, p], `${name}.unsplit`), [0, 3, 4, 1, 5, 2, 6], `${name}.unsplit_t`);
  return conv(g, reshape(g, back, [1, c, d.H, d.W], `${name}.image`), `${name}.project_out`, a.projectOut);
}

/** Enhanced spatial attention: a coarse mask from a strided conv + max-pool, upsampled bilinearly. */
function buildEsa(g: OnnxGraph, x: string, e: Record<'conv1' | 'convF' | 'conv2' | 'conv3' | 'conv4', ConvW>, name: string, f: number, d: WindowGrid): string {
  const c1 = conv(g, x, `${name}.conv1`, e.conv1.weight, e.conv1.bias);
  const c2 = conv(g, c1, `${name}.conv2`, e.conv2.weight, e.conv2.bias, { pad: 0, stride: 2 });
  const pooled = g.node('MaxPool', [c2], `${name}.maxpool`, [attr.ints('kernel_shape', [7, 7]), attr.ints('strides', [3, 3])]);
  const c3 = conv(g, pooled, `${name}.conv3`, e.conv3.weight, e.conv3.bias);
  const sizes = g.node('Concat', [g.int64(g.fresh(`${name}_nc`), [2], [1, f]), d.hw], `${name}.sizes`, [attr.int('axis', 0)]);
  const up = g.node('Resize', [c3, '', '', sizes], `${name}.upsample`, [attr.str('mode', 'linear'), attr.str('coordinate_transformation_mode', 'pytorch_half_pixel')]);
  const c4 = conv(g, add(g, up, conv(g, c1, `${name}.conv_f`, e.convF.weight, e.convF.bias), `${name}.sum`), `${name}.conv4`, e.conv4.weight, e.conv4.bias);
  return mul(g, x, sigmoid(g, c4, `${name}.mask`), name);
}
