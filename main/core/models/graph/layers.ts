/**
 * PyTorch-semantics layers on top of OnnxGraph: weights are OIHW as torch stores them, names are the
 * state-dict names so a graph can be read beside its source. Each returns the output tensor's name.
 */
import { attr, type OnnxGraph } from './onnx-graph.js';

export interface Weight {
  shape: number[];
  data: Float32Array;
}

export interface ConvOptions {
  /** Symmetric padding; default (k-1)/2, i.e. "same" for odd kernels. */
  pad?: number;
  stride?: number;
  groups?: number;
  /** Name of the output tensor (e.g. the graph's `output`); default derived from the node name. */
  output?: string;
}

export function conv(g: OnnxGraph, x: string, name: string, weight: Weight, bias?: Weight, options: ConvOptions = {}): string {
  const [, , kh, kw] = weight.shape;
  const ph = options.pad ?? (kh - 1) / 2;
  const pw = options.pad ?? (kw - 1) / 2;
  const inputs = [x, g.constant(g.fresh(`${name}.weight`), weight.shape, weight.data, true)];
  if (bias) inputs.push(g.constant(g.fresh(`${name}.bias`), bias.shape, bias.data, true));
  const attrs = [attr.ints('kernel_shape', [kh, kw]), attr.ints('pads', [ph, pw, ph, pw])];
  if ((options.stride ?? 1) !== 1) attrs.push(attr.ints('strides', [options.stride!, options.stride!]));
  if ((options.groups ?? 1) !== 1) attrs.push(attr.int('group', options.groups!));
  return g.node('Conv', inputs, name, attrs, options.output);
}

export const relu = (g: OnnxGraph, x: string, name: string): string => g.node('Relu', [x], name);

export const leakyRelu = (g: OnnxGraph, x: string, name: string, alpha: number): string => g.node('LeakyRelu', [x], name, [attr.float('alpha', alpha)]);

/** Per-channel (or single) slope, broadcast over NCHW. */
export function prelu(g: OnnxGraph, x: string, name: string, slope: Weight): string {
  const n = slope.data.length;
  return g.node('PRelu', [x, g.constant(g.fresh(`${name}.weight`), [n, 1, 1], slope.data, true)], name);
}

export const sigmoid = (g: OnnxGraph, x: string, name: string): string => g.node('Sigmoid', [x], name);

export const add = (g: OnnxGraph, a: string, b: string, name: string): string => g.node('Add', [a, b], name);
export const sub = (g: OnnxGraph, a: string, b: string, name: string): string => g.node('Sub', [a, b], name);
export const mul = (g: OnnxGraph, a: string, b: string, name: string): string => g.node('Mul', [a, b], name);

/** x · k for a scalar k (a 0-d constant). */
export const scale = (g: OnnxGraph, x: string, k: number, name: string): string => g.node('Mul', [x, g.constant(g.fresh(`${name}_k`), [], [k])], name);

/** x + per-channel constant c (shape [C,1,1]). */
export const addChannels = (g: OnnxGraph, x: string, c: number[], name: string): string =>
  g.node('Add', [x, g.constant(g.fresh(`${name}_c`), [c.length, 1, 1], c)], name);

export const concat = (g: OnnxGraph, xs: string[], name: string, axis = 1): string => g.node('Concat', xs, name, [attr.int('axis', axis)]);

/** torch `F.interpolate(mode='nearest')` by an integer factor. */
export function upsampleNearest(g: OnnxGraph, x: string, factor: number, name: string): string {
  return g.node('Resize', [x, '', g.constant(g.fresh(`${name}_scales`), [4], [1, 1, factor, factor])], name, [
    attr.str('mode', 'nearest'),
    attr.str('coordinate_transformation_mode', 'asymmetric'),
    attr.str('nearest_mode', 'floor'),
  ]);
}

/** torch `nn.PixelShuffle(r)`: channel c·r² + i·r + j → pixel (i, j) of channel c, which is ONNX CRD. */
export const pixelShuffle = (g: OnnxGraph, x: string, r: number, name: string, output?: string): string =>
  g.node('DepthToSpace', [x], name, [attr.int('blocksize', r), attr.str('mode', 'CRD')], output);

/**
 * ONNX SpaceToDepth: pixel (i, j) of channel c → channel (i·r + j)·C + c. torch's pixel_unshuffle puts it at
 * c·r² + i·r + j; a conv that follows takes the torch order with `unshuffleConvWeight`.
 */
export const spaceToDepth = (g: OnnxGraph, x: string, r: number, name: string): string => g.node('SpaceToDepth', [x], name, [attr.int('blocksize', r)]);

/** Reorders a conv kernel's input channels from torch pixel_unshuffle order to ONNX SpaceToDepth order. */
export function unshuffleConvWeight(w: Weight, r: number): Weight {
  const [cout, cin, kh, kw] = w.shape;
  const c = cin / (r * r);
  const hw = kh * kw;
  const out = new Float32Array(w.data.length);
  for (let o = 0; o < cout; o++)
    for (let ch = 0; ch < c; ch++)
      for (let ij = 0; ij < r * r; ij++) {
        const from = (o * cin + ch * r * r + ij) * hw;
        const to = (o * cin + ij * c + ch) * hw;
        out.set(w.data.subarray(from, from + hw), to);
      }
  return { shape: w.shape, data: out };
}

/** The input's height and width as a 1-d int64 tensor [H, W]. */
export function spatialSize(g: OnnxGraph, x: string, name: string): string {
  const shape = g.node('Shape', [x], `${name}_shape`);
  return g.node('Slice', [shape, g.int64(g.fresh(`${name}_from`), [1], [2]), g.int64(g.fresh(`${name}_to`), [1], [4])], `${name}_hw`);
}

/**
 * Pads H and W at the bottom/right by reflection up to a multiple of m, inside the graph, so the runner may
 * feed any size. `hw` is spatialSize(x).
 */
export function reflectPadToMultiple(g: OnnxGraph, x: string, hw: string, m: number, name: string): string {
  // (-n) mod m with a positive divisor is the pad that reaches the next multiple (0 when already there).
  const neg = g.node('Neg', [hw], `${name}_neg`);
  const extra = g.node('Mod', [neg, g.int64(g.fresh(`${name}_m`), [1], [m])], `${name}_extra`, [attr.int('fmod', 0)]);
  const pads = g.node('Concat', [g.int64(g.fresh(`${name}_zeros`), [6], [0, 0, 0, 0, 0, 0]), extra], `${name}_pads`, [attr.int('axis', 0)]);
  return g.node('Pad', [x, pads], name, [attr.str('mode', 'reflect')]);
}

/** Keeps the top-left [H·s, W·s] of x, undoing a pad before an s× net. */
export function cropTo(g: OnnxGraph, x: string, hw: string, s: number, name: string, output?: string): string {
  const ends = s === 1 ? hw : g.node('Mul', [hw, g.int64(g.fresh(`${name}_s`), [1], [s])], `${name}_ends`);
  return g.node('Slice', [x, g.int64(g.fresh(`${name}_starts`), [2], [0, 0]), ends, g.int64(g.fresh(`${name}_axes`), [2], [2, 3])], name, undefined, output);
}

/**
 * A conv over the channel concatenation of `parts`, without materialising the Concat: the sum of convs over
 * each part with the kernel split by input channel. Same FLOPs; onnxruntime keeps its blocked layout.
 */
export function convOverParts(g: OnnxGraph, parts: { tensor: string; channels: number }[], name: string, weight: Weight, bias?: Weight): string {
  const [cout, cin, kh, kw] = weight.shape;
  if (parts.length === 1) return conv(g, parts[0].tensor, name, weight, bias);
  let acc: string | undefined;
  let from = 0;
  parts.forEach((part, k) => {
    const w = new Float32Array(cout * part.channels * kh * kw);
    const hw = kh * kw;
    for (let o = 0; o < cout; o++) w.set(weight.data.subarray((o * cin + from) * hw, (o * cin + from + part.channels) * hw), o * part.channels * hw);
    from += part.channels;
    const out = conv(g, part.tensor, `${name}_part${k}`, { shape: [cout, part.channels, kh, kw], data: w }, k === 0 ? bias : undefined);
    acc = acc === undefined ? out : add(g, acc, out, k === parts.length - 1 ? name : `${name}_sum${k}`);
  });
  if (from !== cin) throw new Error(`${name}: parts have ${from} channels, the kernel ${cin}`);
  return acc!;
}

/** Multiplies a conv's weight and bias by k (folds a following constant scale into it). */
export const scaled = (w: Weight, k: number): Weight => ({ shape: w.shape, data: w.data.map((v) => v * k) });

/** Exact (erf) GELU, as torch's nn.GELU(): x · ½ · (1 + erf(x / √2)). */
export function gelu(g: OnnxGraph, x: string, name: string): string {
  const erf = g.node('Erf', [scale(g, x, Math.SQRT1_2, `${name}_div`)], `${name}_erf`);
  const onePlus = g.node('Add', [erf, g.constant(g.fresh(`${name}_one`), [], [1])], `${name}_plus1`);
  return mul(g, scale(g, x, 0.5, `${name}_half`), onePlus, name);
}

export const silu = (g: OnnxGraph, x: string, name: string): string => mul(g, x, sigmoid(g, x, `${name}_sigmoid`), name);

/** Normalises over the channel axis of NCHW (LayerNorm2d), then a per-channel affine. */
export function layerNormChannels(g: OnnxGraph, x: string, name: string, weight: Weight, bias: Weight, eps: number): string {
  const axes = [attr.ints('axes', [1]), attr.int('keepdims', 1)];
  const mu = g.node('ReduceMean', [x], `${name}_mean`, axes);
  const dx = sub(g, x, mu, `${name}_centred`);
  const v = g.node('ReduceMean', [mul(g, dx, dx, `${name}_sq`)], `${name}_var`, axes);
  const sd = g.node('Sqrt', [g.node('Add', [v, g.constant(g.fresh(`${name}_eps`), [], [eps])], `${name}_vareps`)], `${name}_sd`);
  const y = g.node('Div', [dx, sd], `${name}_norm`);
  const c = weight.data.length;
  return add(g, mul(g, y, g.constant(g.fresh(`${name}.weight`), [c, 1, 1], weight.data, true), `${name}_scaled`), g.constant(g.fresh(`${name}.bias`), [c, 1, 1], bias.data, true), name);
}

/** ONNX LayerNormalization over the last axis (torch nn.LayerNorm(d)). */
export const layerNormLast = (g: OnnxGraph, x: string, name: string, weight: Weight, bias: Weight, eps: number): string =>
  g.node(
    'LayerNormalization',
    [x, g.constant(g.fresh(`${name}.weight`), [weight.data.length], weight.data, true), g.constant(g.fresh(`${name}.bias`), [bias.data.length], bias.data, true)],
    name,
    [attr.int('axis', -1), attr.float('epsilon', eps)],
  );

/** x @ Wᵀ (+ b) for a torch Linear weight [out, in]. */
export function linear(g: OnnxGraph, x: string, name: string, weight: Weight, bias?: Weight): string {
  const [out, inp] = weight.shape;
  const t = new Float32Array(out * inp);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = weight.data[o * inp + i];
  const y = g.node('MatMul', [x, g.constant(g.fresh(`${name}.weight`), [inp, out], t, true)], bias ? `${name}_matmul` : name);
  return bias ? g.node('Add', [y, g.constant(g.fresh(`${name}.bias`), [out], bias.data, true)], name) : y;
}

export const transpose = (g: OnnxGraph, x: string, perm: number[], name: string): string => g.node('Transpose', [x], name, [attr.ints('perm', perm)]);

/** Reshape to a shape given as a list of fixed sizes and 1-element int64 tensors (dynamic sizes). */
export function reshape(g: OnnxGraph, x: string, dims: (number | string)[], name: string): string {
  let shape: string;
  if (dims.every((d) => typeof d === 'number')) shape = g.int64(g.fresh(`${name}_shape`), [dims.length], dims as number[]);
  else {
    const parts = dims.map((d) => (typeof d === 'number' ? g.int64(g.fresh(`${name}_d`), [1], [d]) : d));
    shape = g.node('Concat', parts, `${name}_shape`, [attr.int('axis', 0)]);
  }
  return g.node('Reshape', [x, shape], name);
}

/** Element `i` of a 1-d int64 tensor, as a 1-element tensor. */
export const element = (g: OnnxGraph, t: string, i: number, name: string): string =>
  g.node('Slice', [t, g.int64(g.fresh(`${name}_from`), [1], [i]), g.int64(g.fresh(`${name}_to`), [1], [i + 1])], name);

/** A padded image's sizes for window attention: [H, W] (`hw`), H and W, and the windows across (X) and down (Y). */
export interface WindowGrid {
  hw: string;
  H: string;
  W: string;
  X: string;
  Y: string;
}

/** The window grid of `x`, whose H and W are already multiples of `win`. */
export function windowGrid(g: OnnxGraph, x: string, win: number): WindowGrid {
  const hw = spatialSize(g, x, 'padded');
  const xy = g.node('Div', [hw, g.int64('window_size', [1], [win])], 'windows');
  return { hw, H: element(g, hw, 0, 'H'), W: element(g, hw, 1, 'W'), X: element(g, xy, 0, 'X'), Y: element(g, xy, 1, 'Y') };
}

/** Pads H and W at the bottom/right with zeros up to a multiple of m. `hw` is spatialSize(x). */
export function zeroPadToMultiple(g: OnnxGraph, x: string, hw: string, m: number, name: string): string {
  const neg = g.node('Neg', [hw], `${name}_neg`);
  const extra = g.node('Mod', [neg, g.int64(g.fresh(`${name}_m`), [1], [m])], `${name}_extra`, [attr.int('fmod', 0)]);
  const pads = g.node('Concat', [g.int64(g.fresh(`${name}_zeros`), [6], [0, 0, 0, 0, 0, 0]), extra], `${name}_pads`, [attr.int('axis', 0)]);
  return g.node('Pad', [x, pads], name, [attr.str('mode', 'constant')]);
}

/** torch nn.Mish: x · tanh(softplus(x)). */
export const mish = (g: OnnxGraph, x: string, name: string): string =>
  mul(g, x, g.node('Tanh', [g.node('Softplus', [x], `${name}_softplus`)], `${name}_tanh`), name);

/** Channels [from, to) of an NCHW tensor. */
export const channelSlice = (g: OnnxGraph, x: string, from: number, to: number, name: string): string =>
  g.node('Slice', [x, g.int64(g.fresh(`${name}_from`), [1], [from]), g.int64(g.fresh(`${name}_to`), [1], [to]), g.int64(g.fresh(`${name}_axis`), [1], [1])], name);

/** torch nn.GroupNorm(groups, C) on NCHW (opset 17 has no GroupNormalization). */
export function groupNorm(g: OnnxGraph, x: string, name: string, groups: number, weight: Weight, bias: Weight, eps: number): string {
  const grouped = reshape(g, x, [0, groups, -1], `${name}_grouped`);
  const axes = [attr.ints('axes', [2]), attr.int('keepdims', 1)];
  const mu = g.node('ReduceMean', [grouped], `${name}_mean`, axes);
  const dx = sub(g, grouped, mu, `${name}_centred`);
  const v = g.node('ReduceMean', [mul(g, dx, dx, `${name}_sq`)], `${name}_var`, axes);
  const y = g.node('Div', [dx, g.node('Sqrt', [g.node('Add', [v, g.constant(g.fresh(`${name}_eps`), [], [eps])], `${name}_vareps`)], `${name}_sd`)], `${name}_norm`);
  const back = g.node('Reshape', [y, g.node('Shape', [x], `${name}_shape`)], `${name}_ungrouped`);
  const c = weight.data.length;
  return add(g, mul(g, back, g.constant(g.fresh(`${name}.weight`), [c, 1, 1], weight.data, true), `${name}_scaled`), g.constant(g.fresh(`${name}.bias`), [c, 1, 1], bias.data, true), name);
}

/** Elements [from, to) of `axis` (negative values count from the end, as in ONNX Slice). */
export const sliceAxis = (g: OnnxGraph, x: string, axis: number, from: number, to: number, name: string): string =>
  g.node('Slice', [x, g.int64(g.fresh(`${name}_from`), [1], [from]), g.int64(g.fresh(`${name}_to`), [1], [to]), g.int64(g.fresh(`${name}_axis`), [1], [axis])], name);

/** torch.roll(x, shift, dims=axis) for a fixed shift (either sign): two slices swapped. */
export function roll(g: OnnxGraph, x: string, shift: number, axis: number, name: string): string {
  // roll by −s puts [s, end) first; roll by +s puts [−s, end) first: both are [−shift, end) then [0, −shift).
  const BIG = 2 ** 62;
  return concat(g, [sliceAxis(g, x, axis, -shift, BIG, `${name}_tail`), sliceAxis(g, x, axis, 0, -shift, `${name}_head`)], name, axis);
}

/** Zero-pads an NHWC tensor's H and W at the bottom/right up to a multiple of m. `hw` is its [H, W]. */
export function zeroPadNhwcToMultiple(g: OnnxGraph, x: string, hw: string, m: number, name: string): string {
  const extra = g.node('Mod', [g.node('Neg', [hw], `${name}_neg`), g.int64(g.fresh(`${name}_m`), [1], [m])], `${name}_extra`, [attr.int('fmod', 0)]);
  const pads = g.node('Concat', [g.int64(g.fresh(`${name}_zeros`), [5], [0, 0, 0, 0, 0]), extra, g.int64(g.fresh(`${name}_zero`), [1], [0])], `${name}_pads`, [attr.int('axis', 0)]);
  return g.node('Pad', [x, pads], name, [attr.str('mode', 'constant')]);
}

/** Zero-pads an NHWC tensor by fixed amounts: top, left, bottom, right. */
export const zeroPadNhwc = (g: OnnxGraph, x: string, top: number, left: number, bottom: number, right: number, name: string): string =>
  g.node('Pad', [x, g.int64(g.fresh(`${name}_pads`), [8], [0, top, left, 0, 0, bottom, right, 0])], name, [attr.str('mode', 'constant')]);

/** [H, W] of an NHWC tensor as a 1-d int64 tensor. */
export function nhwcSize(g: OnnxGraph, x: string, name: string): string {
  const shape = g.node('Shape', [x], `${name}_shape`);
  return g.node('Slice', [shape, g.int64(g.fresh(`${name}_from`), [1], [1]), g.int64(g.fresh(`${name}_to`), [1], [3])], `${name}_hw`);
}
