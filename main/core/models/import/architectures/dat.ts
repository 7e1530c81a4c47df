/**
 * DAT, Dual Aggregation Transformer (zhengchen1999/DAT; spandrel architectures/DAT): conv_first →
 * LayerNorm → residual groups of blocks that alternate spatial window attention (even blocks) and channel
 * attention (odd blocks), each followed by a spatial-gate feed-forward → LayerNorm → conv_after_body + skip →
 * pixel-shuffle head (or one-step for DAT-light). Spatial attention splits the channels in two halves that
 * attend in h×w and w×h windows (split sizes), with a position bias from a small MLP over the offsets;
 * some blocks shift their windows. Both kinds add a depthwise-conv branch and cross gates (the "adaptive
 * interaction"), whose BatchNorms fold into their convs. The image is not padded: each spatial block pads
 * q, k and v with zeros to a multiple of the larger split and crops the result, as the reference does.
 * Channel attention and the gates' global means see the whole tile, so tiles differ slightly from a whole
 * image. img_range is 1, as spandrel assumes.
 */
import {
  add,
  addChannels,
  concat,
  conv,
  element,
  gelu,
  layerNormLast,
  leakyRelu,
  linear,
  mul,
  pixelShuffle,
  reshape,
  roll,
  scale,
  scaled,
  sigmoid,
  sliceAxis,
  spatialSize,
  transpose,
  zeroPadNhwcToMultiple,
} from '../../graph/layers.js';
import { attr, type OnnxGraph } from '../../graph/onnx-graph.js';
import { ModelImportError, type Tensor } from '../state-dict.js';
import { hasAll, type Architecture } from './architecture.js';
import type { Weights } from './weights.js';
import { attend, biasTensor, checkStoredIndex, fromWindows, type Grid, pickRows, rows, shiftMask, swinIndex, toWindows } from './window-attention.js';

const RGB_MEAN = [0.4488, 0.4371, 0.404];
const BN_EPS = 1e-5;

type Lin = { weight: Tensor; bias: Tensor };
type OptLin = { weight: Tensor; bias?: Tensor };

export const dat: Architecture = {
  name: 'DAT',
  detect: (sd) => hasAll(sd, 'conv_first.weight', 'before_RG.1.weight', 'layers.0.blocks.0.norm1.weight', 'layers.0.blocks.0.ffn.sg.norm.weight', 'layers.0.blocks.0.attn.qkv.weight', 'norm.weight'),
  load(w) {
    if (!w.has('layers.0.blocks.0.attn.attns.0.pos.pos_proj.weight')) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', 'DAT without the dynamic position bias (attns.N.pos) is not supported');
    const first = w.get('conv_first.weight', [undefined, undefined, 3, 3]);
    const [dim, inCh] = first.shape;
    const firstBias = w.get('conv_first.bias', [dim]);
    const beforeNorm = lnW(w, 'before_RG.1', dim);
    // Split sizes from the offsets the position MLP reads: the last row of branch 0's is (s0 − 1, s1 − 1).
    const rpe0 = w.get('layers.0.blocks.0.attn.attns.0.rpe_biases', [undefined, 2]);
    const r = rpe0.shape[0] - 1;
    const split = [rpe0.data[2 * r] + 1, rpe0.data[2 * r + 1] + 1];
    const big = Math.max(...split);
    if (!split.every((s) => Number.isInteger(s) && s > 0) || big % Math.min(...split)) {
      throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `DAT with split sizes ${split.join('x')} is not supported (the larger must be a multiple of the smaller)`);
    }
    const shiftSize = split.map((s) => Math.floor(s / 2));
    const half = dim / 2;
    if (!Number.isInteger(half)) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the DAT graph: ${dim} features do not split into two branches`);

    const nLayers = w.maxIndex(/^layers\.(\d+)\./) + 1;
    const threeConv = w.has('conv_after_body.0.weight');
    let hidden = 0;
    const layers = Array.from({ length: nLayers }, (_, li) => {
      const depth = w.maxIndex(new RegExp(`^layers\\.${li}\\.blocks\\.(\\d+)\\.`)) + 1;
      const blocks = Array.from({ length: depth }, (_, bi) => {
        const p = `layers.${li}.blocks.${bi}`;
        const ffnHidden = w.get(`${p}.ffn.fc1.weight`, [undefined, dim]).shape[0];
        if (ffnHidden % 2) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the DAT graph: ${p}.ffn.fc1 has an odd ${ffnHidden} outputs`);
        hidden ||= ffnHidden;
        const common = {
          norm1: lnW(w, `${p}.norm1`, dim),
          qkv: { weight: w.get(`${p}.attn.qkv.weight`, [3 * dim, dim]), bias: w.has(`${p}.attn.qkv.bias`) ? w.get(`${p}.attn.qkv.bias`, [3 * dim]) : undefined },
          proj: linW(w, `${p}.attn.proj`, dim, dim),
          interaction: readInteraction(w, `${p}.attn`, dim),
          norm2: lnW(w, `${p}.norm2`, dim),
          ffn: { fc1: linW(w, `${p}.ffn.fc1`, ffnHidden, dim), norm: lnW(w, `${p}.ffn.sg.norm`, ffnHidden / 2), conv: convW(w, `${p}.ffn.sg.conv`, ffnHidden / 2, 1, 3), fc2: linW(w, `${p}.ffn.fc2`, dim, ffnHidden / 2) },
        };
        if (bi % 2) return { kind: 'channel' as const, ...common, temperature: w.get(`${p}.attn.temperature`, [undefined, 1, 1]) };
        const branches = [0, 1].map((b) => readBranch(w, `${p}.attn.attns.${b}`, b ? [split[1], split[0]] : [split[0], split[1]]));
        if (branches[0].heads !== branches[1].heads) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the DAT graph: the two branches of ${p} have ${branches[0].heads} and ${branches[1].heads} heads`);
        w.ignore(`${p}.attn.attn_mask_0`);
        w.ignore(`${p}.attn.attn_mask_1`);
        return { kind: 'spatial' as const, ...common, branches, shifted: (li % 2 === 0 && bi > 0 && (bi - 2) % 4 === 0) || (li % 2 === 1 && bi % 4 === 0) };
      });
      const heads = blocks.map((b) => (b.kind === 'channel' ? b.temperature.shape[0] : 2 * b.branches[0].heads));
      if (heads.some((h) => h !== heads[0] || dim % h || (h % 2 && blocks.some((b) => b.kind === 'spatial')))) {
        throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the DAT graph: layer ${li} has heads ${heads.join(',')} for ${dim} features`);
      }
      return { blocks, heads: heads[0], conv: readResi(w, `layers.${li}.conv`, dim, threeConv) };
    });
    const finalNorm = lnW(w, 'norm', dim);
    const afterBody = readResi(w, 'conv_after_body', dim, threeConv);
    const head = readHead(w, dim, inCh);
    const { direct, scale: scaleF, outCh } = head;
    if (outCh !== inCh) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the DAT graph: ${inCh} input and ${outCh} output channels`);
    w.checkAllUsed('DAT');

    const expansion = hidden / dim;
    const splitTag = `${split[0]}x${split[1]}`;
    const variant = direct ? 'DAT-light' : splitTag === '8x16' ? 'DAT-S' : splitTag === '8x32' && expansion === 2 ? 'DAT-2' : splitTag === '8x32' && expansion === 4 ? 'DAT' : 'custom';
    const mean = inCh === 3 ? RGB_MEAN : new Array(inCh).fill(0);
    return {
      descriptor: {
        architecture: 'DAT',
        scale: scaleF,
        inChannels: inCh,
        outChannels: outCh,
        details: {
          variant,
          split: splitTag,
          expansion,
          upsampler: direct ? 'pixelshuffledirect' : 'pixelshuffle',
          features: dim,
          depths: layers.map((l) => l.blocks.length).join(','),
          heads: layers.map((l) => l.heads).join(','),
        },
        // The graph takes any size; windows line up with the whole image when tiles start on the larger split.
        sizeMultiple: big,
      },
      build(g) {
        const hw = spatialSize(g, 'input', 'input');
        const H = element(g, hw, 0, 'H');
        const W = element(g, hw, 1, 'W');
        const xn = scale(g, addChannels(g, 'input', mean.map((m) => -255 * m), 'centre'), 1 / 255, 'normalise');
        const firstOut = conv(g, xn, 'conv_first', first, firstBias);
        let t = layerNormLast(g, transpose(g, firstOut, [0, 2, 3, 1], 'before_RG.0'), 'before_RG.1', beforeNorm.weight, beforeNorm.bias, 1e-5);
        const ctx: Ctx = { g, hw, H, W, dim, split, shiftSize, big, grids: [], masks: [] };
        layers.forEach((layer, li) => {
          const skip = t;
          layer.blocks.forEach((b, bi) => {
            const name = `layers.${li}.blocks.${bi}`;
            const h = layerNormLast(g, t, `${name}.norm1`, b.norm1.weight, b.norm1.bias, 1e-5);
            const a = b.kind === 'spatial' ? spatialAttention(ctx, h, b, layer.heads, name) : channelAttention(ctx, h, b, layer.heads, name);
            t = add(g, t, a, `${name}.attn_out`);
            t = add(g, t, sgfn(ctx, layerNormLast(g, t, `${name}.norm2`, b.norm2.weight, b.norm2.bias, 1e-5), b.ffn, `${name}.ffn`), `${name}.out`);
          });
          t = add(g, skip, transpose(g, resiConv(g, transpose(g, t, [0, 3, 1, 2], `layers.${li}.unembed`), layer.conv, `layers.${li}.conv`), [0, 2, 3, 1], `layers.${li}.embed`), `layers.${li}.res`);
        });
        t = layerNormLast(g, t, 'norm', finalNorm.weight, finalNorm.bias, 1e-5);
        const body = add(g, resiConv(g, transpose(g, t, [0, 3, 1, 2], 'unembed'), afterBody, 'conv_after_body'), firstOut, 'body');
        // Output: out/img_range + mean, in 0–255: the 255 folds into the last conv.
        const last = (h: string, name: string) => conv(g, h, name, scaled(head.last.weight, 255), scaled(head.last.bias, 255));
        let out: string;
        if (direct) out = pixelShuffle(g, last(body, 'upsample.0'), scaleF, 'upsample.1');
        else {
          let h = leakyRelu(g, conv(g, body, 'conv_before_upsample', head.before!.weight, head.before!.bias), 'conv_before_upsample_act', 0.01);
          head.ups.forEach((u, i) => (h = pixelShuffle(g, conv(g, h, `upsample.${2 * i}`, u.conv.weight, u.conv.bias), u.factor, `upsample.${2 * i + 1}`)));
          out = last(h, 'conv_last');
        }
        g.node('Add', [out, g.constant(g.fresh('add_mean_c'), [inCh, 1, 1], mean.map((m) => 255 * m))], 'add_mean', undefined, 'output');
      },
    };
  },
};

/** The reconstruction head: pixelshuffle (conv + LeakyReLU, ×2/×3 conv + shuffle steps, conv_last) or DAT-light's one step. */
function readHead(w: Weights, dim: number, inCh: number): { direct: boolean; before?: Lin; ups: { conv: Lin; factor: number }[]; last: Lin; scale: number; outCh: number } {
  if (!w.has('conv_last.weight')) {
    const up = w.get('upsample.0.weight', [undefined, dim, 3, 3]);
    const scale = Math.round(Math.sqrt(up.shape[0] / inCh));
    if (scale * scale * inCh !== up.shape[0]) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the DAT graph: tensor upsample.0.weight has ${up.shape[0]} outputs`);
    return { direct: true, ups: [], last: { weight: up, bias: w.get('upsample.0.bias', [up.shape[0]]) }, scale, outCh: inCh };
  }
  const before = convW(w, 'conv_before_upsample.0', undefined, dim, 3);
  const nf = before.weight.shape[0];
  const ups: { conv: Lin; factor: number }[] = [];
  for (let i = 0; w.has(`upsample.${i}.weight`); i += 2) {
    const c = convW(w, `upsample.${i}`, undefined, nf, 3);
    const f = Math.round(Math.sqrt(c.weight.shape[0] / nf));
    if (f * f * nf !== c.weight.shape[0]) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the DAT graph: tensor upsample.${i}.weight has ${c.weight.shape[0]} outputs`);
    ups.push({ conv: c, factor: f });
  }
  const last = convW(w, 'conv_last', undefined, nf, 3);
  return { direct: false, before, ups, last, scale: ups.reduce((a, u) => a * u.factor, 1), outCh: last.weight.shape[0] };
}

const lnW = (w: Weights, key: string, n: number): Lin => ({ weight: w.get(`${key}.weight`, [n]), bias: w.get(`${key}.bias`, [n]) });
const linW = (w: Weights, key: string, out: number, inp: number): Lin => ({ weight: w.get(`${key}.weight`, [out, inp]), bias: w.get(`${key}.bias`, [out]) });
function convW(w: Weights, key: string, cout: number | undefined, cin: number, k: number): Lin {
  const weight = w.get(`${key}.weight`, [cout, cin, k, k]);
  return { weight, bias: w.get(`${key}.bias`, [weight.shape[0]]) };
}

/** A conv followed by an eval-mode BatchNorm, folded into one conv. */
function convBn(w: Weights, convKey: string, bnKey: string, cout: number | undefined, cin: number, k: number): Lin {
  const c = convW(w, convKey, cout, cin, k);
  const n = c.weight.shape[0];
  const gamma = w.get(`${bnKey}.weight`, [n]).data;
  const beta = w.get(`${bnKey}.bias`, [n]).data;
  const rm = w.get(`${bnKey}.running_mean`, [n]).data;
  const rv = w.get(`${bnKey}.running_var`, [n]).data;
  // running statistics are buffers, not parameters
  for (const k of ['running_mean', 'running_var', 'num_batches_tracked']) w.ignore(`${bnKey}.${k}`);
  const per = c.weight.data.length / n;
  const weight = new Float32Array(c.weight.data.length);
  const bias = new Float32Array(n);
  for (let o = 0; o < n; o++) {
    const s = gamma[o] / Math.sqrt(rv[o] + BN_EPS);
    for (let i = 0; i < per; i++) weight[o * per + i] = c.weight.data[o * per + i] * s;
    bias[o] = (c.bias.data[o] - rm[o]) * s + beta[o];
  }
  return { weight: { shape: c.weight.shape, data: weight }, bias: { shape: [n], data: bias } };
}

/** The depthwise-conv branch and the two gates every DAT attention has (BatchNorms folded). */
function readInteraction(w: Weights, p: string, dim: number) {
  const dw = convBn(w, `${p}.dwconv.0`, `${p}.dwconv.1`, dim, 1, 3);
  const ci1 = convBn(w, `${p}.channel_interaction.1`, `${p}.channel_interaction.2`, undefined, dim, 1);
  const ci4 = convW(w, `${p}.channel_interaction.4`, dim, ci1.weight.shape[0], 1);
  const si0 = convBn(w, `${p}.spatial_interaction.0`, `${p}.spatial_interaction.1`, undefined, dim, 1);
  const si3 = convW(w, `${p}.spatial_interaction.3`, 1, si0.weight.shape[0], 1);
  return { dw, ci1, ci4, si0, si3 };
}

/**
 * One spatial-attention branch over h×w windows: heads from its position MLP's output, and that MLP
 * (Linear → 3 × (LayerNorm → ReLU → Linear)) evaluated now on the stored offsets into the bias [heads, n, n].
 */
function readBranch(w: Weights, p: string, [hs, ws]: number[]) {
  const rpe = w.get(`${p}.rpe_biases`, [(2 * hs - 1) * (2 * ws - 1), 2]);
  w.ignore(`${p}.rpe_biases`); // a buffer: the offsets the MLP reads
  const pd = w.get(`${p}.pos.pos_proj.weight`, [undefined, 2]).shape[0];
  const proj = linW(w, `${p}.pos.pos_proj`, pd, 2);
  const steps = [1, 2, 3].map((k) => {
    const out = k === 3 ? w.get(`${p}.pos.pos3.2.weight`, [undefined, pd]).shape[0] : pd;
    return { ln: lnW(w, `${p}.pos.pos${k}.0`, pd), lin: linW(w, `${p}.pos.pos${k}.2`, out, pd) };
  });
  const heads = steps[2].lin.weight.shape[0];
  checkStoredIndex(w, `${p}.relative_position_index`, swinIndex(hs, ws), 'DAT');
  return { heads, hs, ws, table: positionTable(rpe, proj, steps) };
}

/** DynamicPosBias without its residual option: pos3(pos2(pos1(pos_proj(offsets)))), in float64. */
export function positionTable(rpe: Tensor, proj: Lin, steps: { ln: Lin; lin: Lin }[]): Tensor {
  const rowsN = rpe.shape[0];
  const heads = steps[steps.length - 1].lin.weight.shape[0];
  const out = new Float32Array(rowsN * heads);
  const apply = (l: Lin, x: number[]) => {
    const [o, i] = l.weight.shape;
    return Array.from({ length: o }, (_, r) => {
      let s = l.bias.data[r];
      for (let c = 0; c < i; c++) s += l.weight.data[r * i + c] * x[c];
      return s;
    });
  };
  for (let r = 0; r < rowsN; r++) {
    let v = apply(proj, [rpe.data[2 * r], rpe.data[2 * r + 1]]);
    for (const { ln, lin } of steps) {
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length + 1e-5);
      v = apply(lin, v.map((x, i) => Math.max(0, ((x - mu) / sd) * ln.weight.data[i] + ln.bias.data[i])));
    }
    out.set(v, r * heads);
  }
  return { shape: [rowsN, heads], data: out };
}

function readResi(w: Weights, key: string, dim: number, threeConv: boolean): Lin[] {
  if (!threeConv) return [convW(w, key, dim, dim, 3)];
  return [convW(w, `${key}.0`, dim / 4, dim, 3), convW(w, `${key}.2`, dim / 4, dim / 4, 1), convW(w, `${key}.4`, dim, dim / 4, 3)];
}

function resiConv(g: OnnxGraph, x: string, convs: Lin[], name: string): string {
  if (convs.length === 1) return conv(g, x, name, convs[0].weight, convs[0].bias);
  let h = leakyRelu(g, conv(g, x, `${name}.0`, convs[0].weight, convs[0].bias), `${name}.1`, 0.2);
  h = leakyRelu(g, conv(g, h, `${name}.2`, convs[1].weight, convs[1].bias), `${name}.3`, 0.2);
  return conv(g, h, `${name}.4`, convs[2].weight, convs[2].bias);
}

interface Ctx {
  g: OnnxGraph;
  /** The unpadded size [H, W] and its parts. */
  hw: string;
  H: string;
  W: string;
  dim: number;
  split: number[];
  shiftSize: number[];
  big: number;
  /** Per branch, built on first use: the padded window grid and the shifted-window mask. */
  grids: Grid[];
  masks: string[];
}

type Interaction = ReturnType<typeof readInteraction>;
type Common = { qkv: OptLin; proj: Lin; interaction: Interaction };
type Spatial = Common & { branches: ReturnType<typeof readBranch>[]; shifted: boolean };
type Channel = Common & { temperature: Tensor };

/** The padded grid of branch b: the image padded to a multiple of the larger split, in h×w windows. */
function branchGrid(ctx: Ctx, b: number, hs: number, ws: number): Grid {
  if (ctx.grids[b]) return ctx.grids[b];
  const { g } = ctx;
  const m = g.int64(g.fresh(`pad_m${b}`), [1], [ctx.big]);
  const padded = g.node('Add', [ctx.hw, g.node('Mod', [g.node('Neg', [ctx.hw], `pad_neg${b}`), m], `pad_extra${b}`, [attr.int('fmod', 0)])], `padded_hw${b}`);
  const H = element(g, padded, 0, `padded_H${b}`);
  const W = element(g, padded, 1, `padded_W${b}`);
  ctx.grids[b] = { H, W, X: g.node('Div', [H, g.int64(g.fresh(`win_h${b}`), [1], [hs])], `windows_X${b}`), Y: g.node('Div', [W, g.int64(g.fresh(`win_w${b}`), [1], [ws])], `windows_Y${b}`) };
  return ctx.grids[b];
}

/** Sigmoid gates of the adaptive interaction: global mean → conv → GELU → conv ([1, C, 1, 1]); and 1×1 convs → [1, 1, H, W]. */
const channelGate = (g: OnnxGraph, x: string, i: Interaction, name: string) =>
  sigmoid(g, conv(g, gelu(g, conv(g, g.node('GlobalAveragePool', [x], `${name}.pool`), `${name}.1`, i.ci1.weight, i.ci1.bias), `${name}.3`), `${name}.4`, i.ci4.weight, i.ci4.bias), `${name}.sigmoid`);
const spatialGate = (g: OnnxGraph, x: string, i: Interaction, name: string) =>
  sigmoid(g, conv(g, gelu(g, conv(g, x, `${name}.0`, i.si0.weight, i.si0.bias), `${name}.2`), `${name}.3`, i.si3.weight, i.si3.bias), `${name}.sigmoid`);
const dwBranch = (g: OnnxGraph, v: string, i: Interaction, dim: number, name: string) => gelu(g, conv(g, v, `${name}.dwconv`, i.dw.weight, i.dw.bias, { groups: dim }), `${name}.dwconv.2`);

/**
 * Adaptive spatial attention on NHWC [1, H, W, C]: q/k/v (channels split into two branches, zero-padded to
 * the grid), each branch in its own windows (rolled when shifted), cropped and joined; beside it the
 * depthwise conv of v; each gated by the other (attention × channel gate of the conv branch, conv ×
 * spatial gate of the attention), summed, projected.
 */
function spatialAttention(ctx: Ctx, h: string, b: Spatial, heads: number, name: string): string {
  const { g, dim } = ctx;
  const c = dim / 2;
  const hb = heads / 2;
  const dh = c / hb;
  const qs = dh ** -0.5;
  // Rows reordered to [q0 k0 v0 q1 k1 v1] (branch 0 takes the first half of each), q pre-scaled.
  const spans: [number, number][] = [0, 1].flatMap((br) => [0, 1, 2].map((k): [number, number] => [k * dim + br * c, k * dim + br * c + c]));
  const qScale = (t: Tensor): Tensor => {
    const per = t.data.length / (3 * dim);
    const data = Float32Array.from(t.data, (v, i) => (Math.floor(i / per) % (3 * c) < c ? v * qs : v));
    return { shape: t.shape, data };
  };
  const qkv = linear(g, h, `${name}.qkv`, qScale(pickRows(b.qkv.weight, spans)), b.qkv.bias && qScale(pickRows(b.qkv.bias, spans)));
  const v = transpose(g, concat(g, [sliceAxis(g, qkv, 3, 2 * c, 3 * c, `${name}.v0`), sliceAxis(g, qkv, 3, 5 * c, 6 * c, `${name}.v1`)], `${name}.v`, 3), [0, 3, 1, 2], `${name}.v_nchw`);
  const padded = zeroPadNhwcToMultiple(g, qkv, ctx.hw, ctx.big, `${name}.qkv_pad`);
  const halves = b.branches.map((br, i) => {
    const tag = `${name}.attns.${i}`;
    const [sh, sw] = i ? [ctx.shiftSize[1], ctx.shiftSize[0]] : [ctx.shiftSize[0], ctx.shiftSize[1]];
    const d = branchGrid(ctx, i, br.hs, br.ws);
    let part = sliceAxis(g, padded, 3, 3 * c * i, 3 * c * (i + 1), `${tag}.qkv`);
    if (b.shifted) part = roll(g, roll(g, part, -sh, 1, `${tag}.shift_h`), -sw, 2, `${tag}.shift_w`);
    const windows = toWindows(g, part, d, br.hs, br.ws, 3 * c, `${tag}.windows`);
    const n = br.hs * br.ws;
    let mask: string | undefined;
    if (b.shifted) mask = ctx.masks[i] ??= shiftMask(g, d, br.hs, br.ws, sh, sw, `attn_mask_${i}`);
    const bias = biasTensor(g, br.table, swinIndex(br.hs, br.ws), n, n, `${br.hs}x${br.ws}`, `${tag}.relative_position_bias`);
    const mixed = attend(g, sliceAxis(g, windows, 2, 0, c, `${tag}.q`), sliceAxis(g, windows, 2, c, 2 * c, `${tag}.k`), sliceAxis(g, windows, 2, 2 * c, 3 * c, `${tag}.v`), hb, dh, bias, mask, tag);
    let img = fromWindows(g, mixed, d, br.hs, br.ws, c, `${tag}.image`);
    if (b.shifted) img = roll(g, roll(g, img, sh, 1, `${tag}.unshift_h`), sw, 2, `${tag}.unshift_w`);
    return g.node('Slice', [img, g.int64(g.fresh(`${tag}.crop_from`), [2], [0, 0]), ctx.hw, g.int64(g.fresh(`${tag}.crop_axes`), [2], [1, 2])], `${tag}.crop`);
  });
  const attened = concat(g, halves, `${name}.attened`, 3);
  const convX = dwBranch(g, v, b.interaction, dim, name);
  // attention × σ(channel map of the conv branch); conv × σ(spatial map of the attention)
  const chMap = reshape(g, channelGate(g, convX, b.interaction, `${name}.channel_interaction`), [1, 1, 1, dim], `${name}.channel_map`);
  const spMap = spatialGate(g, transpose(g, attened, [0, 3, 1, 2], `${name}.attened_nchw`), b.interaction, `${name}.spatial_interaction`);
  const x = add(g, mul(g, attened, chMap, `${name}.ci`), transpose(g, mul(g, convX, spMap, `${name}.si`), [0, 2, 3, 1], `${name}.conv_nhwc`), `${name}.sum`);
  return linear(g, x, `${name}.proj`, b.proj.weight, b.proj.bias);
}

/**
 * Adaptive channel attention on NHWC [1, H, W, C]: per head, attention between channels over all pixels
 * (q and k L2-normalised along the pixels, scaled by a learned temperature); beside it the depthwise conv
 * of v; attention × spatial gate of the conv branch, conv × channel gate of the attention; projected.
 */
function channelAttention(ctx: Ctx, h: string, b: Channel, heads: number, name: string): string {
  const { g, dim, H, W } = ctx;
  const d = dim / heads;
  const part = (k: number, tag: string) =>
    transpose(g, reshape(g, linear(g, h, `${name}.${tag}`, rows(b.qkv.weight, k * dim, (k + 1) * dim), b.qkv.bias && rows(b.qkv.bias, k * dim, (k + 1) * dim)), [1, -1, heads, d], `${name}.${tag}_heads`), [0, 2, 3, 1], `${name}.${tag}_t`);
  const unit = (x: string, tag: string) => {
    const norm = g.node('ReduceL2', [x], `${name}.${tag}_l2`, [attr.ints('axes', [-1]), attr.int('keepdims', 1)]);
    return g.node('Div', [x, g.node('Max', [norm, g.constant(g.fresh(`${name}.${tag}_eps`), [], [1e-12])], `${name}.${tag}_l2eps`)], `${name}.${tag}_unit`);
  };
  const q = unit(part(0, 'q'), 'q');
  const k = unit(part(1, 'k'), 'k');
  const v = part(2, 'v');
  const sim = g.node('Mul', [g.node('MatMul', [q, transpose(g, k, [0, 1, 3, 2], `${name}.kT`)], `${name}.sim`), g.constant(g.fresh(`${name}.temperature`), [heads, 1, 1], b.temperature.data, true)], `${name}.sim_t`);
  const mixed = g.node('MatMul', [g.node('Softmax', [sim], `${name}.softmax`, [attr.int('axis', -1)]), v], `${name}.mix`);
  const attened = reshape(g, transpose(g, mixed, [0, 3, 1, 2], `${name}.merge_t`), [1, H, W, dim], `${name}.attened`);
  const convX = dwBranch(g, reshape(g, v, [1, dim, H, W], `${name}.v_img`), b.interaction, dim, name);
  // attention × σ(spatial map of the conv branch); conv × σ(channel map of the attention)
  const spMap = transpose(g, spatialGate(g, convX, b.interaction, `${name}.spatial_interaction`), [0, 2, 3, 1], `${name}.spatial_map`);
  const chMap = channelGate(g, transpose(g, attened, [0, 3, 1, 2], `${name}.attened_nchw`), b.interaction, `${name}.channel_interaction`);
  const x = add(g, mul(g, attened, spMap, `${name}.si`), transpose(g, mul(g, convX, chMap, `${name}.ci`), [0, 2, 3, 1], `${name}.conv_nhwc`), `${name}.sum`);
  return linear(g, x, `${name}.proj`, b.proj.weight, b.proj.bias);
}

/** Spatial-gate feed-forward: fc1 → GELU → first half × depthwise conv of LayerNorm(second half) → fc2. */
function sgfn(ctx: Ctx, h: string, f: { fc1: Lin; norm: Lin; conv: Lin; fc2: Lin }, name: string): string {
  const { g } = ctx;
  const hid = f.fc1.weight.shape[0] / 2;
  const half = (k: number, tag: string) => gelu(g, linear(g, h, `${name}.fc1_${tag}`, rows(f.fc1.weight, k * hid, (k + 1) * hid), rows(f.fc1.bias, k * hid, (k + 1) * hid)), `${name}.act_${tag}`);
  const x2 = layerNormLast(g, half(1, 'b'), `${name}.sg.norm`, f.norm.weight, f.norm.bias, 1e-5);
  const gated = transpose(g, conv(g, transpose(g, x2, [0, 3, 1, 2], `${name}.sg_nchw`), `${name}.sg.conv`, f.conv.weight, f.conv.bias, { groups: hid }), [0, 2, 3, 1], `${name}.sg_nhwc`);
  return linear(g, mul(g, half(0, 'a'), gated, `${name}.sg`), `${name}.fc2`, f.fc2.weight, f.fc2.bias);
}
