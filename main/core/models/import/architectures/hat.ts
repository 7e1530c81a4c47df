/**
 * HAT, Hybrid Attention Transformer (XPixelGroup/HAT; spandrel architectures/HAT): SwinIR's skeleton whose
 * blocks add a channel-attention conv branch (CAB, scaled by 0.01) beside (shifted) window attention, and
 * whose residual groups end in overlapping cross-attention (OCAB: queries from w×w windows, keys and values
 * from the (w + 2p)² windows around them, zero-padded at the image edge). Input reflect-padded to the
 * window, normalised by the RGB mean (img_range 1, as spandrel assumes), pixel-shuffle head, output cropped.
 * Variants by spandrel's reading: HAT-L has 9 or more groups, HAT-S a compress ratio above 4, else HAT.
 */
import {
  add,
  addChannels,
  concat,
  conv,
  cropTo,
  gelu,
  layerNormLast,
  leakyRelu,
  linear,
  pixelShuffle,
  reflectPadToMultiple,
  relu,
  reshape,
  scale,
  scaled,
  sigmoid,
  sliceAxis,
  spatialSize,
  transpose,
  windowGrid,
  zeroPadNhwc,
} from '../../graph/layers.js';
import type { OnnxGraph } from '../../graph/onnx-graph.js';
import { ModelImportError, type Tensor } from '../state-dict.js';
import { hasAll, type Architecture } from './architecture.js';
import { attend, biasTensor, checkStoredIndex, fromWindows, type Grid, rows, shiftMask, swinIndex, swinWindowAttention, toWindows } from './window-attention.js';

const RGB_MEAN = [0.4488, 0.4371, 0.404];
/** HAB's conv branch weight; not in the file (spandrel assumes the published 0.01 too). */
const CONV_SCALE = 0.01;

type Lin = { weight: Tensor; bias: Tensor };
type OptLin = { weight: Tensor; bias?: Tensor };

export const hat: Architecture = {
  name: 'HAT',
  detect: (sd) =>
    hasAll(
      sd,
      'relative_position_index_SA',
      'conv_first.weight',
      'layers.0.residual_group.blocks.0.norm1.weight',
      'layers.0.residual_group.blocks.0.conv_block.cab.0.weight',
      'layers.0.residual_group.overlap_attn.relative_position_bias_table',
      'layers.0.residual_group.overlap_attn.qkv.weight',
      'conv_last.weight',
    ),
  load(w) {
    if (w.has('absolute_pos_embed')) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', 'HAT with an absolute position embedding is not supported');
    const first = w.get('conv_first.weight', [undefined, undefined, 3, 3]);
    const [dim, inCh] = first.shape;
    const firstBias = w.get('conv_first.bias', [dim]);
    const sa = w.get('relative_position_index_SA');
    const win = Math.round(Math.sqrt(sa.shape[0]));
    if (sa.shape.length !== 2 || win * win !== sa.shape[0] || sa.shape[1] !== sa.shape[0]) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the HAT graph: relative_position_index_SA has shape [${sa.shape.join(', ')}]`);
    if (win >= 64) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `HAT with a ${win}-pixel window is not supported (the published code drops shifted windows there)`);
    const oca = w.get('relative_position_index_OCA', [win * win, undefined]);
    const ows = Math.round(Math.sqrt(oca.shape[1]));
    const pad = (ows - win) / 2;
    if (ows * ows !== oca.shape[1] || !Number.isInteger(pad) || pad < 0 || 2 * pad > win) {
      throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `HAT with overlapping windows of ${ows}² around ${win}² is not supported (needs an even margin of at most half a window)`);
    }
    checkStoredIndex(w, 'relative_position_index_SA', swinIndex(win, win), 'HAT');
    checkStoredIndex(w, 'relative_position_index_OCA', ocaIndex(win, ows), 'HAT');
    const shift = Math.floor(win / 2);

    const lin = (key: string, out: number, inp: number): Lin => ({ weight: w.get(`${key}.weight`, [out, inp]), bias: w.get(`${key}.bias`, [out]) });
    const qkvLin = (key: string): OptLin => ({ weight: w.get(`${key}.weight`, [3 * dim, dim]), bias: w.has(`${key}.bias`) ? w.get(`${key}.bias`, [3 * dim]) : undefined });
    const norm = (key: string): Lin => ({ weight: w.get(`${key}.weight`, [dim]), bias: w.get(`${key}.bias`, [dim]) });
    const convW = (key: string, cout: number | undefined, cin: number, k: number): Lin => {
      const weight = w.get(`${key}.weight`, [cout, cin, k, k]);
      return { weight, bias: w.get(`${key}.bias`, [weight.shape[0]]) };
    };
    const mlp = (key: string) => {
      const hidden = w.get(`${key}.fc1.weight`, [undefined, dim]).shape[0];
      return { fc1: lin(`${key}.fc1`, hidden, dim), fc2: lin(`${key}.fc2`, dim, hidden) };
    };

    const nLayers = w.maxIndex(/^layers\.(\d+)\./) + 1;
    const oneConv = w.has('conv_after_body.weight');
    const layers = Array.from({ length: nLayers }, (_, li) => {
      const p = `layers.${li}.residual_group`;
      const depth = w.maxIndex(new RegExp(`^${p.replace(/\./g, '\\.')}\\.blocks\\.(\\d+)\\.`)) + 1;
      const ocaTable = w.get(`${p}.overlap_attn.relative_position_bias_table`, [(win + ows - 1) ** 2, undefined]);
      const heads = ocaTable.shape[1];
      if (dim % heads) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the HAT graph: ${dim} features do not split into ${heads} heads`);
      const blocks = Array.from({ length: depth }, (_, bi) => {
        const b = `${p}.blocks.${bi}`;
        const cab0 = convW(`${b}.conv_block.cab.0`, undefined, dim, 3);
        const squeeze = w.get(`${b}.conv_block.cab.3.attention.1.weight`, [undefined, dim, 1, 1]).shape[0];
        return {
          norm1: norm(`${b}.norm1`),
          table: w.get(`${b}.attn.relative_position_bias_table`, [(2 * win - 1) ** 2, heads]),
          qkv: qkvLin(`${b}.attn.qkv`),
          proj: lin(`${b}.attn.proj`, dim, dim),
          cab: [cab0, convW(`${b}.conv_block.cab.2`, dim, cab0.weight.shape[0], 3), convW(`${b}.conv_block.cab.3.attention.1`, squeeze, dim, 1), convW(`${b}.conv_block.cab.3.attention.3`, dim, squeeze, 1)],
          norm2: norm(`${b}.norm2`),
          mlp: mlp(`${b}.mlp`),
        };
      });
      const o = `${p}.overlap_attn`;
      const ocab = { norm1: norm(`${o}.norm1`), qkv: qkvLin(`${o}.qkv`), table: ocaTable, proj: lin(`${o}.proj`, dim, dim), norm2: norm(`${o}.norm2`), mlp: mlp(`${o}.mlp`) };
      const groupConv = oneConv ? convW(`layers.${li}.conv`, dim, dim, 3) : undefined;
      return { blocks, ocab, heads, conv: groupConv };
    });
    const patchNorm = w.has('patch_embed.norm.weight') ? norm('patch_embed.norm') : undefined;
    const finalNorm = norm('norm');
    const afterBody = oneConv ? convW('conv_after_body', dim, dim, 3) : undefined;
    const before = convW('conv_before_upsample.0', undefined, dim, 3);
    const nf = before.weight.shape[0];
    const ups: { conv: Lin; factor: number }[] = [];
    for (let i = 0; w.has(`upsample.${i}.weight`); i += 2) {
      const c = convW(`upsample.${i}`, undefined, nf, 3);
      const f = Math.round(Math.sqrt(c.weight.shape[0] / nf));
      if (f * f * nf !== c.weight.shape[0]) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the HAT graph: tensor upsample.${i}.weight has ${c.weight.shape[0]} outputs`);
      ups.push({ conv: c, factor: f });
    }
    const last = convW('conv_last', undefined, nf, 3);
    const outCh = last.weight.shape[0];
    if (outCh !== inCh) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the HAT graph: ${inCh} input and ${outCh} output channels`);
    w.checkAllUsed('HAT');

    const scaleF = ups.reduce((s, u) => s * u.factor, 1);
    const compress = dim / layers[0].blocks[0].cab[0].weight.shape[0];
    const variant = nLayers >= 9 ? 'HAT-L' : compress > 4 ? 'HAT-S' : 'HAT';
    const mean = inCh === 3 ? RGB_MEAN : new Array(inCh).fill(0);
    return {
      descriptor: {
        architecture: 'HAT',
        scale: scaleF,
        inChannels: inCh,
        outChannels: outCh,
        details: {
          variant,
          features: dim,
          window: win,
          overlap: (ows - win) / win,
          compress: Math.round(compress * 10) / 10,
          depths: layers.map((l) => l.blocks.length).join(','),
          heads: layers.map((l) => l.heads).join(','),
        },
        // Windows line up with the whole image only when tiles start on the window grid.
        sizeMultiple: win,
      },
      build(g) {
        const hw0 = spatialSize(g, 'input', 'input');
        const x = reflectPadToMultiple(g, 'input', hw0, win, 'pad_to_window');
        const d = windowGrid(g, x, win);
        const xn = scale(g, addChannels(g, x, mean.map((m) => -255 * m), 'centre'), 1 / 255, 'normalise');
        const firstOut = conv(g, xn, 'conv_first', first, firstBias);
        let t = transpose(g, firstOut, [0, 2, 3, 1], 'patch_embed');
        if (patchNorm) t = layerNormLast(g, t, 'patch_embed.norm', patchNorm.weight, patchNorm.bias, 1e-5);
        const mask = layers.some((l) => l.blocks.length > 1) ? shiftMask(g, d, win, win, shift, shift, 'attn_mask') : undefined;
        layers.forEach((layer, li) => {
          const skip = t;
          layer.blocks.forEach((b, bi) => {
            const name = `layers.${li}.blocks.${bi}`;
            t = hab(g, t, b, layer.heads, dim, win, bi % 2 ? shift : 0, mask, d, name);
          });
          t = ocab(g, t, layer.ocab, layer.heads, dim, win, ows, d, `layers.${li}.overlap_attn`);
          const res = layer.conv
            ? transpose(g, conv(g, transpose(g, t, [0, 3, 1, 2], `layers.${li}.unembed`), `layers.${li}.conv`, layer.conv.weight, layer.conv.bias), [0, 2, 3, 1], `layers.${li}.embed`)
            : t;
          t = add(g, res, skip, `layers.${li}.out`);
        });
        t = layerNormLast(g, t, 'norm', finalNorm.weight, finalNorm.bias, 1e-5);
        let body = transpose(g, t, [0, 3, 1, 2], 'unembed');
        if (afterBody) body = conv(g, body, 'conv_after_body', afterBody.weight, afterBody.bias);
        body = add(g, body, firstOut, 'body');
        let h = leakyRelu(g, conv(g, body, 'conv_before_upsample', before.weight, before.bias), 'conv_before_upsample_act', 0.01);
        ups.forEach((u, i) => (h = pixelShuffle(g, conv(g, h, `upsample.${2 * i}`, u.conv.weight, u.conv.bias), u.factor, `upsample.${2 * i + 1}`)));
        // Output: out/img_range + mean, in 0–255: the 255 folds into the last conv.
        const out = addChannels(g, conv(g, h, 'conv_last', scaled(last.weight, 255), scaled(last.bias, 255)), mean.map((m) => 255 * m), 'add_mean');
        cropTo(g, out, hw0, scaleF, 'crop', 'output');
      },
    };
  },
};

/**
 * HAT's OCA index of query token i (w×w) against key token j (o×o), as the published code computes it:
 * its offset w − o + 1 leaves some indices negative, which index the bias table from its end.
 */
export function ocaIndex(win: number, ows: number): Int32Array {
  const nq = win * win;
  const nk = ows * ows;
  const index = new Int32Array(nq * nk);
  const off = win - ows + 1;
  for (let i = 0; i < nq; i++)
    for (let j = 0; j < nk; j++) index[i * nk + j] = (Math.floor(j / ows) - Math.floor(i / win) + off) * (win + ows - 1) + ((j % ows) - (i % win) + off);
  return index;
}

type Block = { norm1: Lin; table: Tensor; qkv: OptLin; proj: Lin; cab: Lin[]; norm2: Lin; mlp: { fc1: Lin; fc2: Lin } };

const mlpOut = (g: OnnxGraph, x: string, n: Lin, m: { fc1: Lin; fc2: Lin }, name: string) =>
  linear(g, gelu(g, linear(g, layerNormLast(g, x, `${name}.norm2`, n.weight, n.bias, 1e-5), `${name}.fc1`, m.fc1.weight, m.fc1.bias), `${name}.gelu`), `${name}.fc2`, m.fc2.weight, m.fc2.bias);

/** Hybrid attention block: x + window attention + 0.01·CAB(x), then x + MLP, on NHWC. */
function hab(g: OnnxGraph, t: string, b: Block, heads: number, c: number, win: number, shift: number, mask: string | undefined, d: Grid, name: string): string {
  const h = layerNormLast(g, t, `${name}.norm1`, b.norm1.weight, b.norm1.bias, 1e-5);
  // CAB: conv → GELU → conv → channel attention. The 0.01 goes into the second conv, and ×100 into the
  // attention's first conv, which reads the mean of that conv's output.
  const [c0, c2, a1, a3] = b.cab;
  const hc = transpose(g, h, [0, 3, 1, 2], `${name}.cab_in`);
  const y = conv(g, gelu(g, conv(g, hc, `${name}.cab.0`, c0.weight, c0.bias), `${name}.cab.1`), `${name}.cab.2`, scaled(c2.weight, CONV_SCALE), scaled(c2.bias, CONV_SCALE));
  const pooled = g.node('GlobalAveragePool', [y], `${name}.ca.pool`);
  const gate = sigmoid(g, conv(g, relu(g, conv(g, pooled, `${name}.ca.1`, scaled(a1.weight, 1 / CONV_SCALE), a1.bias), `${name}.ca.2`), `${name}.ca.3`, a3.weight, a3.bias), `${name}.ca.4`);
  const convX = transpose(g, g.node('Mul', [y, gate], `${name}.cab_out`), [0, 2, 3, 1], `${name}.cab_nhwc`);
  const attn = swinWindowAttention(g, h, { qkv: b.qkv, proj: b.proj, table: b.table, heads }, c, win, shift, mask, d, name);
  const x = add(g, add(g, t, attn, `${name}.attn_out`), convX, `${name}.conv_out`);
  return add(g, x, mlpOut(g, x, b.norm2, b.mlp, name), `${name}.out`);
}

type Ocab = { norm1: Lin; qkv: OptLin; table: Tensor; proj: Lin; norm2: Lin; mlp: { fc1: Lin; fc2: Lin } };

/** Overlapping cross-attention block on NHWC: queries per w×w window, keys/values from the o×o window around it. */
function ocab(g: OnnxGraph, t: string, o: Ocab, heads: number, c: number, win: number, ows: number, d: Grid, name: string): string {
  const dh = c / heads;
  const h = layerNormLast(g, t, `${name}.norm1`, o.norm1.weight, o.norm1.bias, 1e-5);
  const qs = dh ** -0.5;
  const q = toWindows(g, linear(g, h, `${name}.q`, scaled(rows(o.qkv.weight, 0, c), qs), o.qkv.bias && scaled(rows(o.qkv.bias, 0, c), qs)), d, win, win, c, `${name}.q_windows`);
  const kv = linear(g, h, `${name}.kv`, rows(o.qkv.weight, c, 3 * c), o.qkv.bias && rows(o.qkv.bias, c, 3 * c));
  const kvWindows = overlappingWindows(g, kv, d, win, ows, 2 * c, name);
  const k = sliceAxis(g, kvWindows, 2, 0, c, `${name}.k`);
  const v = sliceAxis(g, kvWindows, 2, c, 2 * c, `${name}.v`);
  const bias = biasTensor(g, o.table, ocaIndex(win, ows), win * win, ows * ows, `oca${win}_${ows}`, `${name}.relative_position_bias`);
  // one head at a time: OCA's scores (heads × w² × o² per window) are HAT's largest tensors
  const mixed = attend(g, q, k, v, heads, dh, bias, undefined, name, true);
  const x = add(g, linear(g, fromWindows(g, mixed, d, win, win, c, `${name}.image`), `${name}.proj`, o.proj.weight, o.proj.bias), t, `${name}.attn_out`);
  return add(g, x, mlpOut(g, x, o.norm2, o.mlp, name), `${name}.out`);
}

/**
 * nn.Unfold(o, stride w, padding (o − w)/2) as windows [X·Y, o², c]: window (i, j) is rows and columns
 * [i·w − p, i·w − p + o) of the zero-padded image. With p on the top/left and w − p on the bottom/right the
 * padded image is (X + 1)·w square blocks, and window i is block i plus the first 2p rows of block i + 1.
 */
function overlappingWindows(g: OnnxGraph, x: string, d: Grid, win: number, ows: number, c: number, name: string): string {
  const m = ows - win;
  if (m === 0) return toWindows(g, x, d, win, win, c, `${name}.kv_windows`);
  const p = m / 2;
  const BIG = 2 ** 62;
  const one = g.int64(g.fresh(`${name}_one`), [1], [1]);
  const Y1 = g.node('Add', [d.Y, one], `${name}_Y1`);
  const padded = zeroPadNhwc(g, x, p, p, win - p, win - p, `${name}.kv_pad`);
  // rows: [1, X + 1, w, W', c] → block i and the head of block i + 1 → [1, X, o, W', c]
  const byRows = reshape(g, padded, [1, -1, win, g.node('Mul', [Y1, g.int64(g.fresh(`${name}_win`), [1], [win])], `${name}_Wp`), c], `${name}.row_blocks`);
  const tallRows = concat(g, [sliceAxis(g, byRows, 1, 0, -1, `${name}.rows_a`), sliceAxis(g, sliceAxis(g, byRows, 1, 1, BIG, `${name}.rows_next`), 2, 0, m, `${name}.rows_b`)], `${name}.rows`, 2);
  // columns likewise: [1, X, o, Y + 1, w, c] → [1, X, o, Y, o, c]
  const byCols = reshape(g, tallRows, [1, -1, ows, Y1, win, c], `${name}.col_blocks`);
  const windows = concat(g, [sliceAxis(g, byCols, 3, 0, -1, `${name}.cols_a`), sliceAxis(g, sliceAxis(g, byCols, 3, 1, BIG, `${name}.cols_next`), 4, 0, m, `${name}.cols_b`)], `${name}.cols`, 4);
  return reshape(g, transpose(g, windows, [0, 1, 3, 2, 4, 5], `${name}.kv_windows_t`), [-1, ows * ows, c], `${name}.kv_windows`);
}

