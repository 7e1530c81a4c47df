/**
 * ncnn `.param` + `.bin` → an ONNX graph with the tiled runner's contract. Knows the layers the
 * Real-ESRGAN-family ncnn models (Upscayl's, realesrgan-ncnn-vulkan's) use, with ncnn's defaults and weight
 * layouts (src/layer/*.cpp); any other layer is refused by type and name before a byte of weights is read.
 * The net's scale and the tile size multiple it needs come from shape inference at several input sizes.
 */
import { attr, OnnxGraph } from '../../graph/onnx-graph.js';
import { cropTo, reflectPadToMultiple, spatialSize } from '../../graph/layers.js';
import { ModelImportError, type ConvertedImport } from '../state-dict.js';
import { readNcnnBin, type WeightBlob } from './bin.js';
import { arrayParam, describeLayer, floatParam, intParam, parseNcnnParam, type NcnnLayer } from './param.js';

/** A blob's shape without the batch: ncnn's c, h, w. */
interface Shape {
  c: number;
  h: number;
  w: number;
}

/** A channel concatenation not materialised: its parts, for the convolutions that read it. */
interface Part {
  tensor: string;
  channels: number;
}

interface BuildContext {
  /** The inputs' shapes at the nominal size (channel counts are what they are good for). */
  shapes: Shape[];
  /** For a convolution reading a deferred Concat: its parts. */
  parts?: Part[];
  /** A constant factor folded into this convolution's weights and bias (the ×0.2 of a residual that follows). */
  fold: number;
  /** Multiplications already folded into the convolution feeding them: `layer#input`. */
  folded: Set<string>;
}

/** Shape inference reached a size below one pixel: that input size is too small for the net, nothing worse. */
class TooSmall extends Error {}

interface LayerRule {
  weights?(l: NcnnLayer): WeightBlob[];
  shape(l: NcnnLayer, ins: Shape[]): Shape[];
  build(g: OnnxGraph, l: NcnnLayer, ins: string[], weights: Float32Array[], ctx: BuildContext): string[];
}

const mismatch = (l: NcnnLayer, what: string) => new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `${describeLayer(l)}: ${what}`);
const unsupported = (l: NcnnLayer, what: string) => new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `${describeLayer(l)}: ${what} is not supported`);
const shapeText = (s: Shape) => `${s.c}×${s.h}×${s.w}`;
const sameShape = (a: Shape, b: Shape) => a.c === b.c && a.h === b.h && a.w === b.w;

function oneInput(l: NcnnLayer, ins: Shape[]): Shape {
  if (ins.length !== 1 || l.outputs.length !== 1) throw unsupported(l, `${ins.length} inputs and ${l.outputs.length} outputs`);
  return ins[0];
}

// ------------------------------------------------------------------------------------------ activations

/** ncnn's fused activation (src/layer/fused_activation.h) and the stand-alone layers that share it. */
function activation(g: OnnxGraph, x: string, name: string, type: number, p: number[], l: NcnnLayer): string {
  switch (type) {
    case 0:
      return x;
    case 1:
      return g.node('Relu', [x], `${name}_relu`);
    case 2:
      return p[0] === 0 ? g.node('Relu', [x], `${name}_relu`) : g.node('LeakyRelu', [x], `${name}_lrelu`, [attr.float('alpha', p[0] ?? 0)]);
    case 3:
      return g.node('Clip', [x, g.constant(g.fresh(`${name}_min`), [], [p[0] ?? -3.4e38]), g.constant(g.fresh(`${name}_max`), [], [p[1] ?? 3.4e38])], `${name}_clip`);
    case 4:
      return g.node('Sigmoid', [x], `${name}_sigmoid`);
    case 5: {
      // mish(x) = x·tanh(softplus(x)); ONNX has Mish only from opset 18
      const t = g.node('Tanh', [g.node('Softplus', [x], `${name}_softplus`)], `${name}_tanh`);
      return g.node('Mul', [x, t], `${name}_mish`);
    }
    case 6:
      return g.node('Mul', [x, g.node('HardSigmoid', [x], `${name}_hsig`, [attr.float('alpha', p[0] ?? 0.2), attr.float('beta', p[1] ?? 0.5)])], `${name}_hswish`);
    default:
      throw unsupported(l, `fused activation type ${type}`);
  }
}

function checkActivation(l: NcnnLayer, type: number, p: number[]) {
  if (type < 0 || type > 6) throw unsupported(l, `fused activation type ${type}`);
  const needs = [0, 0, 1, 2, 0, 0, 2][type];
  if (p.length < needs) throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(l)}: activation type ${type} needs ${needs} values in parameter 10`);
}

// ------------------------------------------------------------------------------------------ convolution

interface ConvParams {
  out: number;
  kw: number;
  kh: number;
  dw: number;
  dh: number;
  sw: number;
  sh: number;
  pads: [number, number, number, number]; // top, left, bottom, right
  bias: boolean;
  weightSize: number;
  group: number;
  act: number;
  actParams: number[];
}

function convParams(l: NcnnLayer): ConvParams {
  const kw = intParam(l, 1, 0);
  const dw = intParam(l, 2, 1);
  const sw = intParam(l, 3, 1);
  const left = intParam(l, 4, 0);
  const right = intParam(l, 15, left);
  const top = intParam(l, 14, left);
  const bottom = intParam(l, 16, top);
  const p: ConvParams = {
    out: intParam(l, 0, 0),
    kw,
    kh: intParam(l, 11, kw),
    dw,
    dh: intParam(l, 12, dw),
    sw,
    sh: intParam(l, 13, sw),
    pads: [top, left, bottom, right],
    bias: intParam(l, 5, 0) !== 0,
    weightSize: intParam(l, 6, 0),
    group: l.type === 'ConvolutionDepthWise' ? intParam(l, 7, 1) : 1,
    act: intParam(l, 9, 0),
    actParams: arrayParam(l, 10) ?? [],
  };
  if (intParam(l, 8, 0) !== 0) {
    throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `${describeLayer(l)} is int8-quantized; only fp32 and fp16 ncnn models are supported`);
  }
  if (intParam(l, 19, 0) !== 0) throw unsupported(l, 'a convolution with weights from another blob (19=1)');
  if (floatParam(l, 18, 0) !== 0) throw unsupported(l, 'padding with a value other than 0 (18=)');
  if (p.out <= 0 || p.kw <= 0 || p.kh <= 0 || p.dw <= 0 || p.dh <= 0 || p.sw <= 0 || p.sh <= 0 || p.group <= 0) {
    throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(l)}: outputs, kernel, dilation, stride and group must be positive`);
  }
  const same = (v: number) => p.pads.every((x) => x === v);
  if (p.pads.some((x) => x < 0) && !same(-233) && !same(-234)) throw unsupported(l, `padding ${p.pads.join(',')}`);
  if (p.out % p.group !== 0) throw mismatch(l, `${p.out} outputs do not split into ${p.group} groups`);
  checkActivation(l, p.act, p.actParams);
  return p;
}

const convolution: LayerRule = {
  weights(l) {
    const p = convParams(l);
    return [{ what: 'weights', count: p.weightSize, tagged: true }, ...(p.bias ? [{ what: 'bias', count: p.out, tagged: false }] : [])];
  },
  shape(l, ins) {
    const x = oneInput(l, ins);
    const p = convParams(l);
    if (x.c % p.group !== 0) throw mismatch(l, `${x.c} input channels do not split into ${p.group} groups`);
    const expected = p.out * (x.c / p.group) * p.kh * p.kw;
    if (p.weightSize !== expected) {
      throw mismatch(l, `6=${p.weightSize} weights do not fit its input: ${p.out} outputs × ${x.c / p.group} input channels × ${p.kh}×${p.kw} kernel = ${expected}`);
    }
    const dim = (n: number, k: number, d: number, s: number, before: number, after: number) => {
      const extent = d * (k - 1) + 1;
      let padded = n + before + after;
      if (before === -233 || before === -234) padded = n + Math.max(0, extent + Math.floor((n - 1) / s) * s - n);
      const out = Math.floor((padded - extent) / s) + 1;
      if (out < 1) throw new TooSmall();
      return out;
    };
    const [top, left, bottom, right] = p.pads;
    return [{ c: p.out, h: dim(x.h, p.kh, p.dh, p.sh, top, bottom), w: dim(x.w, p.kw, p.dw, p.sw, left, right) }];
  },
  build(g, l, [x], [weight, bias], ctx) {
    const p = convParams(l);
    const cin = p.weightSize / (p.out * p.kh * p.kw);
    const k = ctx.fold;
    const w = k === 1 ? weight : weight.map((v) => v * k);
    const b = bias && (k === 1 ? bias : bias.map((v) => v * k));
    const attrs = [attr.ints('kernel_shape', [p.kh, p.kw]), attr.ints('strides', [p.sh, p.sw]), attr.ints('dilations', [p.dh, p.dw])];
    if (p.pads[0] === -233) attrs.push(attr.str('auto_pad', 'SAME_UPPER'));
    else if (p.pads[0] === -234) attrs.push(attr.str('auto_pad', 'SAME_LOWER'));
    else attrs.push(attr.ints('pads', p.pads));
    if (p.group !== 1) attrs.push(attr.int('group', p.group));
    // ncnn stores convolution weights as [out][in][kh][kw], ONNX's OIHW. Over a deferred Concat, the conv is
    // the sum of convs over its parts with the kernel split by input channel: same FLOPs, and onnxruntime
    // keeps its blocked layout instead of reordering around every Concat.
    const parts = ctx.parts ?? [{ tensor: x, channels: cin }];
    const hw = p.kh * p.kw;
    let y = '';
    let from = 0;
    parts.forEach((part, i) => {
      const wp = parts.length === 1 ? w : new Float32Array(p.out * part.channels * hw);
      if (parts.length > 1) for (let o = 0; o < p.out; o++) wp.set(w.subarray((o * cin + from) * hw, (o * cin + from + part.channels) * hw), o * part.channels * hw);
      from += part.channels;
      const inputs = [part.tensor, g.constant(g.fresh(`${l.name}_W${parts.length > 1 ? i : ''}`), [p.out, part.channels, p.kh, p.kw], wp, true)];
      if (b && i === 0) inputs.push(g.constant(g.fresh(`${l.name}_B`), [p.out], b, true));
      const out = g.node('Conv', inputs, parts.length > 1 ? `${l.name}_part${i}` : l.name, attrs);
      y = i === 0 ? out : g.node('Add', [y, out], i === parts.length - 1 ? l.name : `${l.name}_sum${i}`);
    });
    if (from !== cin) throw mismatch(l, `its input has ${from} channels, its weights ${cin}`);
    return [activation(g, y, l.name, p.act, p.actParams, l)];
  },
};

// ------------------------------------------------------------------------------------------ the other layers

const elementwise = (build: LayerRule['build']): LayerRule => ({ shape: (l, ins) => [oneInput(l, ins)], build });

const interpParams = (l: NcnnLayer) => {
  const type = intParam(l, 0, 0);
  if (type < 1 || type > 3) throw unsupported(l, `resize type ${type}`);
  if (intParam(l, 3, 0) !== 0 || intParam(l, 4, 0) !== 0) throw unsupported(l, 'resizing to a fixed output size (3=/4=), which ties the net to one image size,');
  if (intParam(l, 5, 0) !== 0 || l.params.has(9) || l.inputs.length !== 1) throw unsupported(l, 'resizing to the size of another blob');
  const hs = floatParam(l, 1, 1);
  const ws = floatParam(l, 2, 1);
  if (!(hs > 0) || !(ws > 0)) throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(l)}: scale factors must be positive`);
  return { type, hs, ws, alignCorners: intParam(l, 6, 0) !== 0 };
};

const binaryOps: Record<number, { op: string; reversed: boolean }> = {
  0: { op: 'Add', reversed: false },
  1: { op: 'Sub', reversed: false },
  2: { op: 'Mul', reversed: false },
  3: { op: 'Div', reversed: false },
  4: { op: 'Max', reversed: false },
  5: { op: 'Min', reversed: false },
  6: { op: 'Pow', reversed: false },
  7: { op: 'Sub', reversed: true },
  8: { op: 'Div', reversed: true },
  9: { op: 'Pow', reversed: true },
};

function binaryOp(l: NcnnLayer) {
  const type = intParam(l, 0, 0);
  const op = binaryOps[type];
  if (!op) throw unsupported(l, `binary operation ${type}`);
  return { ...op, withScalar: intParam(l, 1, 0) !== 0, b: floatParam(l, 2, 0) };
}

/** ONNX (numpy) broadcasting over c, h, w; ncnn broadcasts the same way between blobs of equal rank. */
function broadcast(l: NcnnLayer, a: Shape, b: Shape): Shape {
  const dim = (x: number, y: number) => {
    if (x !== y && x !== 1 && y !== 1) throw mismatch(l, `inputs ${shapeText(a)} and ${shapeText(b)} do not match`);
    return Math.max(x, y);
  };
  return { c: dim(a.c, b.c), h: dim(a.h, b.h), w: dim(a.w, b.w) };
}

const RULES: Record<string, LayerRule> = {
  Split: {
    shape: (l, ins) => {
      if (ins.length !== 1) throw unsupported(l, `${ins.length} inputs`);
      return l.outputs.map(() => ins[0]);
    },
    build: (_g, l, [x]) => l.outputs.map(() => x),
  },
  Noop: { shape: (_l, ins) => ins, build: (_g, _l, ins) => ins },
  Dropout: elementwise((g, l, [x]) => {
    const s = floatParam(l, 0, 1);
    return [s === 1 ? x : g.node('Mul', [x, g.constant(g.fresh(`${l.name}_k`), [], [s])], l.name)];
  }),
  Convolution: convolution,
  ConvolutionDepthWise: convolution,
  ReLU: elementwise((g, l, [x]) => [activation(g, x, l.name, 2, [floatParam(l, 0, 0)], l)]),
  Sigmoid: elementwise((g, l, [x]) => [activation(g, x, l.name, 4, [], l)]),
  Clip: elementwise((g, l, [x]) => [activation(g, x, l.name, 3, [floatParam(l, 0, -3.4e38), floatParam(l, 1, 3.4e38)], l)]),
  PReLU: {
    weights: (l) => [{ what: 'slopes', count: intParam(l, 0, 0), tagged: false }],
    shape(l, ins) {
      const x = oneInput(l, ins);
      const n = intParam(l, 0, 0);
      if (n !== 1 && n !== x.c) throw mismatch(l, `0=${n} slopes for ${x.c} channels`);
      return [x];
    },
    build: (g, l, [x], [slope]) => [g.node('PRelu', [x, g.constant(g.fresh(`${l.name}_slope`), slope.length === 1 ? [1] : [slope.length, 1, 1], slope, true)], l.name)],
  },
  BatchNorm: {
    weights: (l) => ['slope', 'mean', 'variance', 'bias'].map((what) => ({ what, count: intParam(l, 0, 0), tagged: false })),
    shape(l, ins) {
      const x = oneInput(l, ins);
      if (intParam(l, 0, 0) !== x.c) throw mismatch(l, `0=${intParam(l, 0, 0)} channels for an input of ${x.c}`);
      return [x];
    },
    build(g, l, [x], [slope, mean, variance, bias]) {
      // ncnn folds it into b·x + a at load time; so do we.
      const eps = floatParam(l, 1, 0);
      const a = new Float32Array(slope.length);
      const b = new Float32Array(slope.length);
      for (let i = 0; i < slope.length; i++) {
        const sd = Math.fround(Math.sqrt(variance[i] + eps)) || 0.0001;
        a[i] = bias[i] - (slope[i] * mean[i]) / sd;
        b[i] = slope[i] / sd;
      }
      g.params += 4 * slope.length;
      const dims = [slope.length, 1, 1];
      const y = g.node('Mul', [x, g.constant(g.fresh(`${l.name}_b`), dims, b)], `${l.name}_scale`);
      return [g.node('Add', [y, g.constant(g.fresh(`${l.name}_a`), dims, a)], l.name)];
    },
  },
  Concat: {
    shape(l, ins) {
      const axis = intParam(l, 0, 0);
      const k = axis < 0 ? axis + 3 : axis;
      if (k < 0 || k > 2) throw unsupported(l, `concatenation on axis ${axis}`);
      const keys = ['c', 'h', 'w'] as const;
      const out = { ...ins[0] };
      for (const s of ins.slice(1)) {
        for (let d = 0; d < 3; d++) if (d !== k && s[keys[d]] !== ins[0][keys[d]]) throw mismatch(l, `inputs ${ins.map(shapeText).join(', ')} do not line up on axis ${axis}`);
        out[keys[k]] += s[keys[k]];
      }
      return [out];
    },
    build(g, l, ins) {
      const axis = intParam(l, 0, 0);
      return [ins.length === 1 ? ins[0] : g.node('Concat', ins, l.name, [attr.int('axis', axis < 0 ? axis : axis + 1)])];
    },
  },
  Eltwise: {
    shape(l, ins) {
      const op = intParam(l, 0, 0);
      if (op < 0 || op > 2) throw unsupported(l, `element-wise operation ${op}`);
      if (ins.length < 2) throw unsupported(l, `${ins.length} input`);
      const coeffs = arrayParam(l, 1);
      if (coeffs && op === 1 && coeffs.length !== ins.length) throw mismatch(l, `${coeffs.length} coefficients for ${ins.length} inputs`);
      for (const s of ins) if (!sameShape(s, ins[0])) throw mismatch(l, `inputs ${ins.map(shapeText).join(', ')} differ`);
      return [ins[0]];
    },
    build(g, l, ins, _w, ctx) {
      const op = intParam(l, 0, 0);
      if (op === 0) return [ins.slice(1).reduce((acc, x, i) => g.node('Mul', [acc, x], i === ins.length - 2 ? l.name : `${l.name}_${i}`), ins[0])];
      if (op === 2) return [g.node('Max', ins, l.name)];
      const coeffs = arrayParam(l, 1);
      const terms = ins.map((x, i) => (!coeffs || coeffs[i] === 1 || ctx.folded.has(`${l.name}#${i}`) ? x : g.node('Mul', [x, g.constant(g.fresh(`${l.name}_k${i}`), [], [coeffs[i]])], `${l.name}_term${i}`)));
      return [terms.slice(1).reduce((acc, x, i) => g.node('Add', [acc, x], i === terms.length - 2 ? l.name : `${l.name}_${i}`), terms[0])];
    },
  },
  BinaryOp: {
    shape(l, ins) {
      const { withScalar } = binaryOp(l);
      if (withScalar ? ins.length !== 1 : ins.length !== 2) throw unsupported(l, `${ins.length} inputs with with_scalar=${withScalar ? 1 : 0}`);
      return [withScalar ? ins[0] : broadcast(l, ins[0], ins[1])];
    },
    build(g, l, ins, _w, ctx) {
      if (ctx.folded.has(`${l.name}#0`)) return [ins[0]];
      const { op, reversed, withScalar, b } = binaryOp(l);
      const operands = withScalar ? [ins[0], g.constant(g.fresh(`${l.name}_b`), [], [b])] : ins;
      return [g.node(op, reversed ? [operands[1], operands[0]] : operands, l.name)];
    },
  },
  Interp: {
    shape(l, ins) {
      const x = oneInput(l, ins);
      const { hs, ws } = interpParams(l);
      // ncnn: outw = static_cast<int>(w * width_scale), in float
      const h = Math.trunc(Math.fround(x.h * hs));
      const w = Math.trunc(Math.fround(x.w * ws));
      if (h < 1 || w < 1) throw new TooSmall();
      return [{ c: x.c, h, w }];
    },
    build(g, l, [x]) {
      const { type, hs, ws, alignCorners } = interpParams(l);
      const scales = g.constant(g.fresh(`${l.name}_scales`), [4], [1, 1, hs, ws]);
      // ncnn's nearest takes floor(dst / scale); its bilinear and bicubic sample at pixel centres (or corners),
      // clamp at the border, and bicubic uses a = -0.75: ONNX Resize's asymmetric/half_pixel/align_corners.
      const attrs =
        type === 1
          ? [attr.str('mode', 'nearest'), attr.str('coordinate_transformation_mode', 'asymmetric'), attr.str('nearest_mode', 'floor')]
          : [
              attr.str('mode', type === 2 ? 'linear' : 'cubic'),
              attr.str('coordinate_transformation_mode', alignCorners ? 'align_corners' : 'half_pixel'),
              ...(type === 3 ? [attr.float('cubic_coeff_a', -0.75)] : []),
            ];
      return [g.node('Resize', [x, '', scales], l.name, attrs)];
    },
  },
  Reorg: {
    // space-to-depth; mode 0 orders channels as torch's pixel_unshuffle (c·s² + i·s + j), mode 1 as ONNX's
    shape(l, ins) {
      const x = oneInput(l, ins);
      const s = intParam(l, 0, 1);
      if (s < 1) throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(l)}: stride ${s}`);
      if (intParam(l, 1, 0) !== 0 && intParam(l, 1, 0) !== 1) throw unsupported(l, `mode ${intParam(l, 1, 0)}`);
      const h = Math.floor(x.h / s);
      const w = Math.floor(x.w / s);
      if (h < 1 || w < 1) throw new TooSmall();
      return [{ c: x.c * s * s, h, w }];
    },
    build(g, l, [x], _w, { shapes: [input] }) {
      const s = intParam(l, 0, 1);
      if (s === 1) return [x];
      const y = g.node('SpaceToDepth', [x], intParam(l, 1, 0) === 0 ? `${l.name}_s2d` : l.name, [attr.int('blocksize', s)]);
      if (intParam(l, 1, 0) === 1) return [y];
      // ONNX puts pixel (i, j) of channel c at (i·s + j)·C + c; torch order wants c·s² + i·s + j
      const c = input.c;
      const order = Array.from({ length: c * s * s }, (_, p) => (p % (s * s)) * c + Math.floor(p / (s * s)));
      return [g.node('Gather', [y, g.int64(g.fresh(`${l.name}_order`), [order.length], order)], l.name, [attr.int('axis', 1)])];
    },
  },
  Padding: {
    shape(l, ins) {
      const x = oneInput(l, ins);
      const [top, bottom, left, right, type] = [0, 1, 2, 3, 4].map((k) => intParam(l, k, 0));
      if (type < 0 || type > 2) throw unsupported(l, `padding type ${type}`);
      if (intParam(l, 6, 0) !== 0 || intParam(l, 7, 0) !== 0 || intParam(l, 8, 0) !== 0) throw unsupported(l, 'padding along channels');
      if ([top, bottom, left, right].some((p) => p < 0)) throw unsupported(l, 'negative padding');
      if (type === 2 && (top >= x.h || bottom >= x.h || left >= x.w || right >= x.w)) throw new TooSmall();
      return [{ c: x.c, h: x.h + top + bottom, w: x.w + left + right }];
    },
    build(g, l, [x]) {
      const [top, bottom, left, right, type] = [0, 1, 2, 3, 4].map((k) => intParam(l, k, 0));
      const pads = g.int64(g.fresh(`${l.name}_pads`), [8], [0, 0, top, left, 0, 0, bottom, right]);
      const inputs = [x, pads];
      if (type === 0) inputs.push(g.constant(g.fresh(`${l.name}_value`), [], [floatParam(l, 5, 0)]));
      return [g.node('Pad', inputs, l.name, [attr.str('mode', ['constant', 'edge', 'reflect'][type])])];
    },
  },
  PixelShuffle: {
    shape(l, ins) {
      const x = oneInput(l, ins);
      const r = intParam(l, 0, 1);
      const mode = intParam(l, 1, 0);
      if (r < 1) throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(l)}: factor ${r}`);
      if (mode !== 0 && mode !== 1) throw unsupported(l, `mode ${mode}`);
      if (x.c % (r * r) !== 0) throw mismatch(l, `${x.c} channels do not shuffle by ${r}`);
      return [{ c: x.c / (r * r), h: x.h * r, w: x.w * r }];
    },
    build(g, l, [x]) {
      const r = intParam(l, 0, 1);
      // mode 0 is torch's pixel_shuffle (ONNX CRD), mode 1 TensorFlow's depth_to_space (DCR)
      return [r === 1 ? x : g.node('DepthToSpace', [x], l.name, [attr.int('blocksize', r), attr.str('mode', intParam(l, 1, 0) === 0 ? 'CRD' : 'DCR')])];
    },
  },
};

export const SUPPORTED_NCNN_LAYERS = ['Input', ...Object.keys(RULES)];

// ------------------------------------------------------------------------------------------ the graph

interface Topology {
  input: NcnnLayer;
  output: string;
  layers: NcnnLayer[];
}

function topology(layers: NcnnLayer[]): Topology {
  for (const l of layers) {
    if (l.type !== 'Input' && !RULES[l.type]) {
      throw new ModelImportError(
        'ERROR_MODEL_UNSUPPORTED_LAYER',
        `ncnn layer type ${l.type} (layer ${l.name}, line ${l.line}) is not supported; supported: ${SUPPORTED_NCNN_LAYERS.join(', ')}`,
      );
    }
  }
  const inputs = layers.filter((l) => l.type === 'Input');
  if (inputs.length !== 1) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `the ncnn graph has ${inputs.length} Input layers; Upscale Bench takes models with one image input`);
  if (inputs[0].outputs.length !== 1 || inputs[0].inputs.length !== 0) throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(inputs[0])} must have no inputs and one output`);
  const consumed = new Set(layers.flatMap((l) => l.inputs));
  const outputs = layers.flatMap((l) => l.outputs).filter((b) => !consumed.has(b));
  if (outputs.length !== 1) {
    throw new ModelImportError(
      'ERROR_MODEL_UNSUPPORTED_LAYER',
      `the ncnn graph has ${outputs.length} outputs (${outputs.slice(0, 5).join(', ')}); Upscale Bench takes models with one image output`,
    );
  }
  return { input: inputs[0], output: outputs[0], layers };
}

/** Every blob's shape for an input of h × w (RGB). */
function inferShapes(t: Topology, h: number, w: number): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const l of t.layers) {
    if (l === t.input) {
      const c = intParam(l, 2, 0);
      if (c !== 0 && c !== 3) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `the model takes ${c}-channel images; Upscale Bench runs RGB (3-channel) models`);
      shapes.set(l.outputs[0], { c: 3, h, w });
      continue;
    }
    const outs = RULES[l.type].shape(l, l.inputs.map((b) => shapes.get(b)!));
    if (outs.length !== l.outputs.length) throw unsupported(l, `${l.outputs.length} outputs`);
    l.outputs.forEach((b, i) => shapes.set(b, outs[i]));
  }
  return shapes;
}

/**
 * The net's scale and the multiple its input sizes must be, found by inferring shapes at a few sizes: the
 * smallest multiple m for which inputs of m·k pixels come out exactly scale times larger.
 */
function scaleAndMultiple(t: Topology): { scale: number; multiple: number } {
  for (const m of [1, 2, 3, 4, 8, 16]) {
    const sizes: [number, number][] = [
      [m * 13, m * 11],
      [m * 16, m * 19],
    ];
    const ratios: number[] = [];
    try {
      for (const [h, w] of sizes) {
        const out = inferShapes(t, h, w).get(t.output)!;
        ratios.push(out.h / h, out.w / w);
      }
    } catch (err) {
      if (err instanceof TooSmall) continue;
      throw err;
    }
    if (ratios.every((r) => r === ratios[0]) && Number.isInteger(ratios[0]) && ratios[0] >= 1) return { scale: ratios[0], multiple: m };
  }
  throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', "the ncnn graph's output is not a fixed whole multiple of its input size; Upscale Bench takes super-resolution models that scale by a whole factor");
}

/** An honest guess at the family from the graph's shape; the details say what was counted. */
function describeArchitecture(layers: NcnnLayer[]): { architecture: string; details: Record<string, number | string> } {
  const count = (type: string) => layers.filter((l) => l.type === type).length;
  const convs = layers.filter((l) => l.type === 'Convolution');
  const details: Record<string, number | string> = { layers: layers.length, convolutions: convs.length };
  if (convs.length) details.features = intParam(convs[0], 0, 0);
  // x·0.2 + skip: one Eltwise with coefficients (onnx2ncnn), or a BinaryOp ×0.2 before an add (pnnx)
  const residualSums = layers.filter(
    (l) =>
      (l.type === 'Eltwise' && intParam(l, 0, 0) === 1 && (arrayParam(l, 1) ?? [])[0] === Math.fround(0.2)) ||
      (l.type === 'BinaryOp' && intParam(l, 0, 0) === 2 && intParam(l, 1, 0) === 1 && floatParam(l, 2, 0) === Math.fround(0.2)),
  ).length;
  if (count('Concat') > 0 && residualSums > 0 && residualSums % 4 === 0) {
    // RRDBNet: each block is three residual dense blocks and one residual, each x·0.2 + skip
    details.blocks = residualSums / 4;
    return { architecture: 'ncnn (RRDBNet-like)', details };
  }
  if (count('PReLU') > 0 && count('PixelShuffle') === 1 && count('Concat') === 0) {
    details.prelus = count('PReLU');
    return { architecture: 'ncnn (Real-ESRGAN Compact-like)', details };
  }
  for (const type of ['Concat', 'Eltwise', 'BinaryOp', 'Interp', 'PixelShuffle', 'PReLU']) if (count(type)) details[type] = count(type);
  return { architecture: 'ncnn graph', details };
}

/**
 * Convolutions (no activation) whose only reader multiplies them by a constant: the residual x·0.2 of RRDBNet,
 * as an Eltwise coefficient (onnx2ncnn) or a BinaryOp with a scalar (pnnx). The factor goes into the weights.
 */
function foldableScales(layers: NcnnLayer[]): Map<string, { k: number; target: string }> {
  const readers = new Map<string, { layer: NcnnLayer; index: number }[]>();
  for (const l of layers) l.inputs.forEach((b, index) => readers.set(b, [...(readers.get(b) ?? []), { layer: l, index }]));
  const out = new Map<string, { k: number; target: string }>();
  for (const l of layers) {
    if ((l.type !== 'Convolution' && l.type !== 'ConvolutionDepthWise') || intParam(l, 9, 0) !== 0) continue;
    const r = readers.get(l.outputs[0]) ?? [];
    if (r.length !== 1) continue;
    const { layer: u, index } = r[0];
    if (u.type === 'Eltwise' && intParam(u, 0, 0) === 1) {
      const k = arrayParam(u, 1)?.[index];
      if (k !== undefined && k !== 1) out.set(l.name, { k, target: `${u.name}#${index}` });
    } else if (u.type === 'BinaryOp' && intParam(u, 0, 0) === 2 && intParam(u, 1, 0) === 1) {
      out.set(l.name, { k: floatParam(u, 2, 0), target: `${u.name}#0` });
    }
  }
  return out;
}

export function convertNcnn(paramText: string, bin: Uint8Array): ConvertedImport {
  const param = parseNcnnParam(paramText);
  const t = topology(param.layers);
  // Shapes first: a weight size the graph cannot take is named by layer before the .bin is read.
  let nominal: Map<string, Shape> | undefined;
  for (const size of [64, 256, 1024]) {
    try {
      nominal = inferShapes(t, size, size);
      break;
    } catch (err) {
      if (!(err instanceof TooSmall)) throw err;
    }
  }
  if (!nominal) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', 'the ncnn graph shrinks a 1024×1024 image to nothing; it is not a super-resolution model');
  const outChannels = nominal.get(t.output)!.c;
  if (outChannels !== 3) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', `the model outputs ${outChannels}-channel images; Upscale Bench runs RGB (3-channel) models`);
  const { scale, multiple } = scaleAndMultiple(t);
  const weights = readNcnnBin(param.layers, bin, (l) => RULES[l.type]?.weights?.(l) ?? []);

  const g = new OnnxGraph();
  g.fresh('input');
  g.fresh('output');
  // The Real-ESRGAN ncnn runners feed RGB in 0..1 and multiply the output by 255.
  let x = g.node('Mul', ['input', g.constant(g.fresh('input_scale'), [], [1 / 255])], 'to_unit');
  // A net that needs sizes on a grid gets the last tile of an image padded to it, and the output cropped back.
  const hw = multiple > 1 ? spatialSize(g, 'input', 'input') : '';
  if (multiple > 1) x = reflectPadToMultiple(g, x, hw, multiple, 'pad_to_multiple');
  const folds = foldableScales(param.layers);
  const folded = new Set([...folds.values()].map((f) => f.target));
  // Each blob is a tensor or, for a channel Concat, its parts; a Concat becomes a node only if something
  // other than a convolution reads it.
  const values = new Map<string, { tensor?: string; parts?: Part[]; name: string }>();
  const tensorOf = (blob: string) => {
    const v = values.get(blob)!;
    v.tensor ??= g.node('Concat', v.parts!.map((p) => p.tensor), v.name, [attr.int('axis', 1)]);
    return v.tensor;
  };
  values.set(t.input.outputs[0], { tensor: x, name: 'input' });
  for (const l of param.layers) {
    if (l === t.input) continue;
    if (l.type === 'Split' || (l.type === 'Noop' && l.inputs.length === 1)) {
      for (const b of l.outputs) values.set(b, values.get(l.inputs[0])!);
      continue;
    }
    const axis = l.type === 'Concat' ? intParam(l, 0, 0) : NaN;
    if ((axis === 0 || axis === -3) && l.inputs.length > 1) {
      const parts = l.inputs.flatMap((b) => values.get(b)!.parts ?? [{ tensor: tensorOf(b), channels: nominal!.get(b)!.c }]);
      values.set(l.outputs[0], { parts, name: l.name });
      continue;
    }
    const first = values.get(l.inputs[0]);
    const convParts = (l.type === 'Convolution' || l.type === 'ConvolutionDepthWise') && first?.parts && convParams(l).group === 1 ? first.parts : undefined;
    const outs = RULES[l.type].build(g, l, convParts ? [] : l.inputs.map(tensorOf), weights.get(l.name) ?? [], {
      shapes: l.inputs.map((b) => nominal!.get(b)!),
      parts: convParts,
      fold: folds.get(l.name)?.k ?? 1,
      folded,
    });
    l.outputs.forEach((b, i) => values.set(b, { tensor: outs[i], name: b }));
  }
  const y = tensorOf(t.output);
  if (multiple > 1) cropTo(g, g.node('Mul', [y, g.constant(g.fresh('output_scale'), [], [255])], 'to_pixels'), hw, scale, 'crop', 'output');
  else g.node('Mul', [y, g.constant(g.fresh('output_scale'), [], [255])], 'to_pixels', undefined, 'output');
  const { architecture, details } = describeArchitecture(param.layers);
  if (multiple > 1) details.padsToMultipleOf = multiple;
  return {
    descriptor: { architecture, scale, inChannels: 3, outChannels: 3, details, params: g.params, sourceFormat: 'ncnn', sizeMultiple: multiple },
    onnx: g.encode({ name: 'ncnn', docString: `Converted from an ncnn model (${param.layers.length} layers)` }),
  };
}
