/**
 * Window self-attention shared by the transformer nets (SwinIR, HAT, DAT, OmniSR): Swin's relative
 * position index and bias, the shifted-window mask, and the attention core on windows. Windows may be
 * rectangular (DAT's 8×32 and 32×8); tokens are NHWC.
 */
import { add, concat, linear, reshape, roll, scale, scaled, sliceAxis, transpose } from '../../graph/layers.js';
import { attr, type OnnxGraph } from '../../graph/onnx-graph.js';
import { ModelImportError, type Tensor } from '../state-dict.js';
import type { Weights } from './weights.js';

/** Rows [from, to) of a tensor along its first axis (one of q, k, v out of a fused qkv weight). */
export const rows = (t: Tensor, from: number, to: number): Tensor => {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { shape: [to - from, ...t.shape.slice(1)], data: t.data.slice(from * per, to * per) };
};

/** The row blocks of `t` named by [from, to) pairs, stacked in that order. */
export function pickRows(t: Tensor, spans: [number, number][]): Tensor {
  const parts = spans.map(([a, b]) => rows(t, a, b));
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [parts.reduce((n, p) => n + p.shape[0], 0), ...t.shape.slice(1)], data };
}

/**
 * Swin's relative position index for an h×w window, as the nets store it: token i = (yi, xi) against
 * token j, index (yi − yj + h − 1)·(2w − 1) + (xi − xj + w − 1).
 */
export function swinIndex(h: number, w: number): Int32Array {
  const n = h * w;
  const index = new Int32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) index[i * n + j] = (Math.floor(i / w) - Math.floor(j / w) + h - 1) * (2 * w - 1) + ((i % w) - (j % w) + w - 1);
  return index;
}

/** A bias table [rows, heads] gathered by an [nq, nk] index into [heads, nq, nk]; a negative index counts from the table's end, as in Python. */
export function gatherBias(table: Tensor, index: ArrayLike<number>, nq: number, nk: number): Float32Array {
  const [size, heads] = table.shape;
  const bias = new Float32Array(heads * nq * nk);
  for (let ij = 0; ij < nq * nk; ij++) {
    const r = index[ij] < 0 ? index[ij] + size : index[ij];
    for (let hh = 0; hh < heads; hh++) bias[hh * nq * nk + ij] = table.data[r * heads + hh];
  }
  return bias;
}

const indexCache = new WeakMap<OnnxGraph, Map<string, string>>();

/**
 * A bias table [rows, heads] gathered by an [nq, nk] index into [heads, nq, nk], as graph nodes: the file
 * holds each table once and one index per window shape (`key`), not a bias per pair of tokens (×2 to ×5
 * the weights otherwise); onnxruntime folds the gather when it loads the graph.
 */
export function biasTensor(g: OnnxGraph, table: Tensor, index: ArrayLike<number>, nq: number, nk: number, key: string, name: string): string {
  const [size, heads] = table.shape;
  let cache = indexCache.get(g);
  if (!cache) indexCache.set(g, (cache = new Map()));
  let idx = cache.get(key);
  if (!idx) {
    idx = g.int64(g.fresh(`rpi_${key}`), [nq * nk], Array.from(index, (v) => (v < 0 ? v + size : v)));
    cache.set(key, idx);
  }
  const gathered = g.node('Gather', [g.constant(g.fresh(`${name}_table`), table.shape, table.data, true), idx], `${name}_gather`, [attr.int('axis', 0)]);
  return reshape(g, transpose(g, gathered, [1, 0], `${name}_t`), [heads, nq, nk], name);
}

/** Swin's relative position bias for a win×win window, expanded from its table [(2w − 1)², heads] to [heads, n, n]. */
export const relativePositionBias = (table: Tensor, heads: number, win: number): Float32Array => {
  if (table.shape[1] !== heads) throw new Error(`bias table has ${table.shape[1]} heads, not ${heads}`);
  return gatherBias(table, swinIndex(win, win), win * win, win * win);
};

/**
 * A stored index buffer must be the one this graph assumes (the nets recompute it from the window, so a
 * different one means a variant we do not know). Absent is fine: it is derived.
 */
export function checkStoredIndex(w: Weights, key: string, expected: ArrayLike<number>, architecture: string): void {
  const t = w.getDerived(key);
  if (!t) return;
  const same = t.data.length === expected.length && t.data.every((v, i) => v === expected[i]);
  if (!same) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `${architecture} with a relative position index other than its window's (${key}) is not supported`);
}

/** Sizes of an NHWC tensor's window grid: H and W (1-element int64 tensors) and the windows down (X) and across (Y). */
export interface Grid {
  H: string;
  W: string;
  X: string;
  Y: string;
}

/** The window grid of NHWC `x`, whose H and W are multiples of winH and winW. */
export function nhwcGrid(g: OnnxGraph, x: string, winH: number, winW: number, name: string): Grid {
  const shape = g.node('Shape', [x], `${name}_shape`);
  const dim = (i: number, tag: string) => g.node('Slice', [shape, g.int64(g.fresh(`${name}_${tag}_from`), [1], [i]), g.int64(g.fresh(`${name}_${tag}_to`), [1], [i + 1])], `${name}_${tag}`);
  const H = dim(1, 'H');
  const W = dim(2, 'W');
  const X = g.node('Div', [H, g.int64(g.fresh(`${name}_winH`), [1], [winH])], `${name}_X`);
  const Y = g.node('Div', [W, g.int64(g.fresh(`${name}_winW`), [1], [winW])], `${name}_Y`);
  return { H, W, X, Y };
}

/** NHWC [1, H, W, c] → windows [X·Y, winH·winW, c], row-major over the grid and within each window. */
export const toWindows = (g: OnnxGraph, x: string, d: Grid, winH: number, winW: number, c: number, name: string): string =>
  reshape(g, transpose(g, reshape(g, x, [1, d.X, winH, d.Y, winW, c], `${name}_split`), [0, 1, 3, 2, 4, 5], `${name}_t`), [-1, winH * winW, c], name);

/** The inverse of toWindows. */
export const fromWindows = (g: OnnxGraph, x: string, d: Grid, winH: number, winW: number, c: number, name: string): string =>
  reshape(g, transpose(g, reshape(g, x, [1, d.X, d.Y, winH, winW, c], `${name}_split`), [0, 1, 3, 2, 4, 5], `${name}_t`), [1, d.H, d.W, c], name);

/**
 * The shifted-window mask [windows, 1, n, n] for the grid `d`: pixels get a region id 3·row-region +
 * column-region (rows split at H − winH and H − shiftH, columns likewise), and attention between different
 * ids in one window gets −100, as Swin's calculate_mask.
 */
export function shiftMask(g: OnnxGraph, d: Grid, winH: number, winW: number, shiftH: number, shiftW: number, name: string): string {
  const coord = (len: string, win: number, shift: number, tag: string) => {
    const ones = g.node('ConstantOfShape', [len], `${name}_${tag}_ones`, [attr.floatTensor('value', 1)]);
    const idx = g.node('Sub', [g.node('CumSum', [ones, g.int64(g.fresh(`${name}_${tag}_axis`), [], [0])], `${name}_${tag}_cumsum`), g.constant(g.fresh(`${name}_${tag}_one`), [], [1])], `${name}_${tag}_idx`);
    const lenF = g.node('Cast', [len], `${name}_${tag}_len`, [attr.int('to', 1)]);
    const ge = (offset: number, k: string) =>
      g.node('Cast', [g.node('GreaterOrEqual', [idx, g.node('Sub', [lenF, g.constant(g.fresh(`${name}_${tag}_${k}`), [], [offset])], `${name}_${tag}_edge_${k}`)], `${name}_${tag}_ge_${k}`)], `${name}_${tag}_r_${k}`, [attr.int('to', 1)]);
    return add(g, ge(win, 'w'), ge(shift, 's'), `${name}_${tag}_region`);
  };
  const ry = g.node('Unsqueeze', [coord(d.H, winH, shiftH, 'h'), g.int64(g.fresh(`${name}_axis1`), [1], [1])], `${name}_ry`);
  const rx = g.node('Unsqueeze', [coord(d.W, winW, shiftW, 'w'), g.int64(g.fresh(`${name}_axis0`), [1], [0])], `${name}_rx`);
  const ids = add(g, scale(g, ry, 3, `${name}_ry3`), rx, `${name}_ids`);
  const windows = reshape(g, transpose(g, reshape(g, ids, [d.X, winH, d.Y, winW], `${name}_split`), [0, 2, 1, 3], `${name}_windows_t`), [-1, winH * winW], `${name}_windows`);
  const diff = g.node('Sub', [g.node('Unsqueeze', [windows, g.int64(g.fresh(`${name}_axis_1`), [1], [1])], `${name}_a`), g.node('Unsqueeze', [windows, g.int64(g.fresh(`${name}_axis_2`), [1], [2])], `${name}_b`)], `${name}_diff`);
  const m = scale(g, g.node('Sign', [g.node('Abs', [diff], `${name}_abs`)], `${name}_ne`), -100, `${name}_values`);
  return g.node('Unsqueeze', [m, g.int64(g.fresh(`${name}_heads_axis`), [1], [1])], name);
}

/**
 * Multi-head attention on windows: q [B, nq, heads·dh] (already scaled), k and v [B, nk, heads·dh], plus
 * a bias tensor [heads, nq, nk] and an optional mask [B, 1, nq, nk]; returns [B, nq, heads·dh].
 */
export function attend(g: OnnxGraph, q: string, k: string, v: string, heads: number, dh: number, bias: string | undefined, mask: string | undefined, name: string, perHead = false): string {
  const split = (x: string, perm: number[], tag: string) => transpose(g, reshape(g, x, [0, 0, heads, dh], `${name}.${tag}_heads`), perm, `${name}.${tag}_t`);
  const [q4, k4, v4] = [split(q, [0, 2, 1, 3], 'q'), split(k, [0, 2, 3, 1], 'k'), split(v, [0, 2, 1, 3], 'v')];
  const merge = (x: string) => reshape(g, transpose(g, x, [0, 2, 1, 3], `${name}.merge_t`), [0, 0, heads * dh], `${name}.merge`);
  if (!perHead || heads === 1) {
    let sim = g.node('MatMul', [q4, k4], `${name}.sim`);
    if (bias) sim = g.node('Add', [sim, bias], `${name}.sim_pe`);
    if (mask) sim = g.node('Add', [sim, mask], `${name}.sim_masked`);
    return merge(g.node('MatMul', [g.node('Softmax', [sim], `${name}.softmax`, [attr.int('axis', -1)]), v4], `${name}.mix`));
  }
  // perHead: one head at a time, so each head's scores [windows, 1, nq, nk] (and their softmax) are freed
  // before the next head's exist: the attention's peak memory divided by the heads, for a little speed.
  const mixed = Array.from({ length: heads }, (_, h) => {
    const one = (x: string, tag: string) => sliceAxis(g, x, 1, h, h + 1, `${name}.${tag}${h}`);
    let sim = g.node('MatMul', [one(q4, 'q'), one(k4, 'k')], `${name}.sim${h}`);
    if (bias) sim = g.node('Add', [sim, sliceAxis(g, bias, 0, h, h + 1, `${name}.bias${h}`)], `${name}.sim_pe${h}`);
    if (mask) sim = g.node('Add', [sim, mask], `${name}.sim_masked${h}`);
    const attn = g.node('Softmax', [sim], `${name}.softmax${h}`, [attr.int('axis', -1)]);
    return g.node('MatMul', [attn, one(v4, 'v')], `${name}.mix${h}`);
  });
  return merge(concat(g, mixed, `${name}.mix`, 1));
}

export type LinearWeights = { weight: Tensor; bias?: Tensor };

/**
 * Swin's (shifted) window self-attention on NHWC [1, H, W, c] whose H and W are multiples of `win`:
 * roll by −shift, windows, q/k/v, attention with the relative position bias (and the mask when shifted),
 * projection, back to the image, roll by +shift. SwinIR's and HAT's blocks share it.
 */
export function swinWindowAttention(
  g: OnnxGraph,
  h: string,
  a: { qkv: LinearWeights; proj: LinearWeights; table: Tensor; heads: number },
  c: number,
  win: number,
  shift: number,
  mask: string | undefined,
  d: Grid,
  name: string,
): string {
  const n = win * win;
  const dh = c / a.heads;
  if (shift) h = roll(g, roll(g, h, -shift, 1, `${name}.shift_h`), -shift, 2, `${name}.shift_w`);
  const windows = toWindows(g, h, d, win, win, c, `${name}.windows`);
  const qs = dh ** -0.5;
  const q = linear(g, windows, `${name}.q`, scaled(rows(a.qkv.weight, 0, c), qs), a.qkv.bias && scaled(rows(a.qkv.bias, 0, c), qs));
  const k = linear(g, windows, `${name}.k`, rows(a.qkv.weight, c, 2 * c), a.qkv.bias && rows(a.qkv.bias, c, 2 * c));
  const v = linear(g, windows, `${name}.v`, rows(a.qkv.weight, 2 * c, 3 * c), a.qkv.bias && rows(a.qkv.bias, 2 * c, 3 * c));
  const bias = biasTensor(g, a.table, swinIndex(win, win), n, n, `swin${win}`, `${name}.relative_position_bias`);
  const mixed = attend(g, q, k, v, a.heads, dh, bias, shift ? mask : undefined, name);
  let back = fromWindows(g, linear(g, mixed, `${name}.proj`, a.proj.weight, a.proj.bias), d, win, win, c, `${name}.image`);
  if (shift) back = roll(g, roll(g, back, shift, 1, `${name}.unshift_h`), shift, 2, `${name}.unshift_w`);
  return back;
}
