/**
 * A user's own .onnx: validated and wrapped to the tiled runner's contract (`input` NCHW float32 0–255 →
 * `output` 0–255) whatever its I/O names, layout (NCHW or NHWC) and precision (float32 or float16); values
 * are taken as RGB in 0..1 unless the user says 0..255 (`--input-range`): no ONNX file declares it, and a wrong
 * guess gives plausible but poor pictures rather than an error. What the file declares is read from its graph;
 * what it does not (the scale, the size multiple it needs) is measured by running it on a few small images.
 * What it cannot take is refused in one line.
 */
import onnxProto from 'onnx-proto';
import { ModelImportError, type ConvertedImport } from './state-dict.js';
import { probeOnnxSync, type ProbeOutput } from './onnx-probe.js';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

type Long = number | { toNumber(): number };
const num = (v: Long | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

const TYPE_NAMES: Record<number, string> = {
  [T.FLOAT]: 'float32',
  [T.FLOAT16]: 'float16',
  [T.DOUBLE]: 'float64',
  [T.BFLOAT16]: 'bfloat16',
  [T.UINT8]: 'uint8',
  [T.INT8]: 'int8',
  [T.UINT16]: 'uint16',
  [T.INT16]: 'int16',
  [T.INT32]: 'int32',
  [T.INT64]: 'int64',
  [T.BOOL]: 'bool',
  [T.STRING]: 'string',
};
const typeName = (t: number) => TYPE_NAMES[t] ?? `type ${t}`;

/** A declared dimension: a number, a symbol, or nothing. */
type Dim = number | string | undefined;

interface IoInfo {
  name: string;
  elemType: number;
  dims: Dim[] | undefined;
}

const refuse = (message: string) => new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', message);

function ioInfo(v: any): IoInfo {
  const tt = v.type?.tensorType;
  if (!tt) throw refuse(`the model's ${v.name ? `"${v.name}"` : 'input'} is not a tensor; Upscale Bench takes image tensors`);
  const dims = tt.shape?.dim?.map((d: any): Dim => (d.dimValue != null && num(d.dimValue) > 0 ? num(d.dimValue) : d.dimParam || undefined));
  return { name: v.name, elemType: tt.elemType, dims };
}

const dimText = (dims: Dim[] | undefined) => (dims ? `[${dims.map((d) => d ?? '?').join(', ')}]` : 'of unknown shape');

/** NCHW or NHWC, from where the 3 is; a symbolic channel axis is taken as NCHW (the common case, checked by the probe). */
function layoutOf(info: IoInfo, role: 'input' | 'output'): 'NCHW' | 'NHWC' {
  const d = info.dims;
  const what = `the model's ${role} "${info.name}"`;
  if (d && d.length !== 4) throw refuse(`${what} has ${d.length} dimensions ${dimText(d)}; Upscale Bench takes NCHW (or NHWC) images with a batch axis`);
  if (!d || d[1] === 3) return 'NCHW';
  if (d[3] === 3) return 'NHWC';
  // a fixed small last axis after free height and width is NHWC with other than 3 channels
  const channels = typeof d[1] === 'number' ? d[1] : typeof d[3] === 'number' && d[3] <= 4 && typeof d[2] !== 'number' ? d[3] : undefined;
  if (channels !== undefined) throw refuse(`${what} has ${channels} channels ${dimText(d)}; Upscale Bench runs RGB (3-channel) models`);
  return 'NCHW';
}

/** Every tensor name a graph (and its subgraphs) uses, so our wrapper's names cannot collide. */
function renameEverywhere(graph: any, from: string, to: string) {
  const r = (n: string) => (n === from ? to : n);
  for (const node of graph.node ?? []) {
    node.input = node.input.map(r);
    node.output = node.output.map(r);
    for (const a of node.attribute ?? []) {
      if (a.type === A.GRAPH && a.g) renameEverywhere(a.g, from, to);
      if (a.type === A.GRAPHS) for (const sg of a.graphs ?? []) renameEverywhere(sg, from, to);
    }
  }
  for (const list of [graph.input, graph.output, graph.valueInfo, graph.initializer]) for (const v of list ?? []) if (v.name === from) v.name = to;
}

function namesIn(graph: any, into = new Set<string>()): Set<string> {
  for (const node of graph.node ?? []) {
    for (const n of [...node.input, ...node.output]) into.add(n);
    for (const a of node.attribute ?? []) {
      if (a.type === A.GRAPH && a.g) namesIn(a.g, into);
      if (a.type === A.GRAPHS) for (const sg of a.graphs ?? []) namesIn(sg, into);
    }
  }
  for (const list of [graph.input, graph.output, graph.valueInfo, graph.initializer]) for (const v of list ?? []) into.add(v.name);
  return into;
}

interface Plan {
  layout: 'NCHW' | 'NHWC';
  inType: number;
  outType: number;
  outLayout: 'NCHW' | 'NHWC';
  originalInput: string;
  originalOutput: string;
}

/**
 * Decodes afresh and wraps: `input` (NCHW float32 0–255, ÷255) → layout/precision adapters → the model →
 * adapters → ×255 → `output`. `range` undefined leaves values as they are (the probes, in 0..1; 0–255 models).
 */
function wrap(bytes: Uint8Array, plan: Plan, range: 1 | undefined, pad?: { multiple: number; scale: number }): Uint8Array {
  const model: any = onnx.ModelProto.decode(bytes);
  const g = model.graph;
  const used = namesIn(g);
  const fresh = (base: string) => {
    let n = base;
    for (let i = 1; used.has(n); i++) n = `${base}_${i}`;
    used.add(n);
    return n;
  };
  // Tensors the model itself calls 'input'/'output' (often its own I/O) get other names first.
  for (const reserved of ['input', 'output']) if (used.has(reserved)) renameEverywhere(g, reserved, fresh(`${reserved}__model`));
  used.add('input');
  used.add('output');
  const realInput = g.input.find((v: any) => !g.initializer.some((t: any) => t.name === v.name));
  const realOutput = g.output[0];
  const modelIn: string = realInput.name;
  const modelOut: string = realOutput.name;

  const nodes: any[] = [];
  const inits: any[] = [];
  const scalar = (name: string, v: number) => {
    const n = fresh(name);
    inits.push({ name: n, dims: [], dataType: T.FLOAT, rawData: new Uint8Array(Float32Array.of(v).buffer) });
    return n;
  };
  const node = (opType: string, input: string[], base: string, attribute: any[] = [], output?: string) => {
    const out = output ?? fresh(base);
    nodes.push({ opType, input, output: [out], name: fresh(`wrap_${base}`), attribute });
    return out;
  };
  const ints = (name: string, v: number[]) => ({ name, type: A.INTS, ints: v });
  const int64 = (name: string, v: number[]) => {
    const n = fresh(name);
    inits.push({ name: n, dims: [v.length], dataType: T.INT64, int64Data: v });
    return n;
  };
  const int = (name: string, v: number) => ({ name, type: A.INT, i: v });

  // in
  const pre: [string, (x: string, out?: string) => string][] = [];
  let hw = '';
  if (pad) {
    // Reflect-pad H and W at the bottom/right up to the multiple the model needs; the output is cropped back.
    hw = node('Slice', [node('Shape', ['input'], 'input_shape'), int64('hw_from', [2]), int64('hw_to', [4])], 'input_hw');
    const extra = node('Mod', [node('Neg', [hw], 'neg_hw'), int64('multiple', [pad.multiple])], 'pad_extra', [int('fmod', 0)]);
    const pads = node('Concat', [int64('pad_zeros', [0, 0, 0, 0, 0, 0]), extra], 'pads', [int('axis', 0)]);
    pre.push(['pad', (x, out) => node('Pad', [x, pads], 'pad_to_multiple', [{ name: 'mode', type: A.STRING, s: new TextEncoder().encode('reflect') }], out)]);
  }
  if (range !== undefined) pre.push(['to_unit', (x, out) => node('Mul', [x, scalar('input_scale', 1 / 255)], 'to_unit', [], out)]);
  if (plan.layout === 'NHWC') pre.push(['to_nhwc', (x, out) => node('Transpose', [x], 'to_nhwc', [ints('perm', [0, 2, 3, 1])], out)]);
  if (plan.inType === T.FLOAT16) pre.push(['to_half', (x, out) => node('Cast', [x], 'to_half', [int('to', T.FLOAT16)], out)]);
  if (pre.length === 0) pre.push(['input_identity', (x, out) => node('Identity', [x], 'input_identity', [], out)]);
  pre.reduce((x, [, step], i) => step(x, i === pre.length - 1 ? modelIn : undefined), 'input');

  // out
  const post: ((x: string, out?: string) => string)[] = [];
  if (plan.outType === T.FLOAT16) post.push((x, out) => node('Cast', [x], 'from_half', [int('to', T.FLOAT)], out));
  if (plan.outLayout === 'NHWC') post.push((x, out) => node('Transpose', [x], 'to_nchw', [ints('perm', [0, 3, 1, 2])], out));
  if (range !== undefined) post.push((x, out) => node('Mul', [x, scalar('output_scale', 255)], 'to_pixels', [], out));
  if (pad) {
    const ends = node('Mul', [hw, int64('scale', [pad.scale])], 'crop_ends');
    post.push((x, out) => node('Slice', [x, int64('crop_starts', [0, 0]), ends, int64('crop_axes', [2, 3])], 'crop', [], out));
  }
  if (post.length === 0) post.push((x, out) => node('Identity', [x], 'output_identity', [], out));
  const postNodes: any[] = [];
  {
    const before = nodes.length;
    post.reduce((x, step, i) => step(x, i === post.length - 1 ? 'output' : undefined), modelOut);
    postNodes.push(...nodes.splice(before));
  }

  const dim = (d: string | number) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const tensorType = (dims: (string | number)[]) => ({ tensorType: { elemType: T.FLOAT, shape: { dim: dims.map(dim) } } });
  g.node = [...nodes, ...g.node, ...postNodes];
  g.initializer = [...g.initializer, ...inits];
  g.input = [{ name: 'input', type: tensorType(['batch', 3, 'height', 'width']) }, ...g.input.filter((v: any) => v !== realInput)];
  g.output = [{ name: 'output', type: tensorType(['batch', 3, 'out_height', 'out_width']) }];
  // Shapes recorded inside the graph may pin the size the file was exported at; onnxruntime infers them anew.
  g.valueInfo = [];
  return onnx.ModelProto.encode(model).finish();
}

/** A smooth RGB test pattern in 0..1 (planar NCHW), different in each channel. */
function pattern(h: number, w: number): Float32Array {
  const out = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[(c * h + y) * w + x] = 0.5 + 0.3 * Math.sin(x / 5 + c) * Math.cos(y / 7 - c);
  return out;
}

/** The pixel range an ONNX model takes and gives: '0-1' (PyTorch SR convention, the default) or '0-255'. */
export type OnnxInputRange = '0-1' | '0-255';
export const ONNX_INPUT_RANGES: readonly OnnxInputRange[] = ['0-1', '0-255'];

export function convertOnnxFile(bytes: Uint8Array, inputRange: OnnxInputRange = '0-1'): ConvertedImport {
  let model: any;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    throw new ModelImportError('ERROR_NOT_A_MODEL', 'not an ONNX model: the file does not parse as an ONNX protobuf');
  }
  const g = model.graph;
  if (!g || !g.node?.length || !g.output?.length) throw new ModelImportError('ERROR_NOT_A_MODEL', 'not an ONNX model: the file has no graph');
  const opset = num((model.opsetImport ?? []).find((o: any) => !o.domain || o.domain === 'ai.onnx')?.version);
  if (opset < 7) throw refuse(`the model uses ONNX opset ${opset || 'unknown'}; Upscale Bench takes opset 7 or later`);
  if (g.initializer.some((t: any) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)) {
    throw refuse('the model keeps its weights in a separate file (ONNX external data); Upscale Bench takes single-file models');
  }

  const inputs = g.input.filter((v: any) => !g.initializer.some((t: any) => t.name === v.name));
  if (inputs.length !== 1) throw refuse(`the model has ${inputs.length} inputs (${inputs.map((v: any) => v.name).join(', ')}); Upscale Bench takes models with one image input`);
  if (g.output.length !== 1) throw refuse(`the model has ${g.output.length} outputs (${g.output.map((v: any) => v.name).join(', ')}); Upscale Bench takes models with one image output`);
  const input = ioInfo(inputs[0]);
  const output = ioInfo(g.output[0]);
  const layout = layoutOf(input, 'input');
  const outLayout = output.dims ? layoutOf(output, 'output') : layout;
  for (const [info, role, l] of [[input, 'input', layout], [output, 'output', outLayout]] as const) {
    if (info.elemType !== T.FLOAT && info.elemType !== T.FLOAT16) {
      throw refuse(`the model's ${role} "${info.name}" is ${l} ${typeName(info.elemType)}; Upscale Bench takes NCHW or NHWC float32/float16 images`);
    }
  }
  const plan: Plan = { layout, inType: input.elemType, outType: output.elemType, outLayout, originalInput: input.name, originalOutput: output.name };

  // Measure what the file does not say: the scale and the input multiple it needs.
  const [ph, pw] = [32, 48];
  const unit = pattern(ph, pw);
  const multiples = [1, 2, 4, 8];
  const sizes = multiples.map((m) => [m * 9, m * 11]);
  const probeBytes = wrap(bytes, plan, undefined);
  const exact = (r: ProbeOutput | undefined, [h, w]: number[], scale: number) => !!r?.data && r.dims[2] === h * scale && r.dims[3] === w * scale;
  const answer = probeOnnxSync(probeBytes, [
    { data: unit, dims: [1, 3, ph, pw] },
    { data: pattern(48, 40), dims: [1, 3, 48, 40] },
    { data: pattern(9, 11), dims: [1, 3, 9, 11] },
  ]);
  if (answer.error) throw refuse(`onnxruntime cannot load the model: ${answer.error}`);
  const [rUnit, rOther, rOdd] = answer.results;
  const fixed = typeof input.dims?.[2] === 'number' && typeof input.dims?.[3] === 'number' ? ` (its input is declared as ${input.dims[2]}×${input.dims[3]} only)` : '';
  if (!rUnit.data) throw refuse(`the model does not run on a ${ph}×${pw} RGB image: ${rUnit.error}${fixed}`);
  const [, oc, oh, ow] = rUnit.dims;
  if (rUnit.dims.length !== 4 || oc !== 3) throw refuse(`the model's output for an RGB image is ${dimText(rUnit.dims)}, not a 3-channel image`);
  const scale = oh / ph;
  if (!Number.isInteger(scale) || scale < 1 || ow / pw !== scale) {
    throw refuse(`the model turns ${ph}×${pw} into ${oh}×${ow}, not a whole-number enlargement; Upscale Bench takes super-resolution models`);
  }
  if (!exact(rOther, [48, 40], scale)) {
    throw refuse(`the model does not scale a 48×40 image by ${scale} as it does ${ph}×${pw}${rOther.error ? `: ${rOther.error}` : ''}${fixed}`);
  }
  // Most models take any size (9×11 works); only then are the larger multiples tried.
  let k = exact(rOdd, sizes[0], scale) ? 0 : -1;
  if (k < 0) {
    const more = probeOnnxSync(probeBytes, sizes.slice(1).map(([h, w]) => ({ data: pattern(h, w), dims: [1, 3, h, w] })));
    const i = more.results.findIndex((r, j) => exact(r, sizes[j + 1], scale));
    if (i >= 0) k = i + 1;
  }
  if (k < 0) throw refuse(`the model runs on 32×48 but not on sizes like 72×88 or smaller odd sizes; Upscale Bench needs models that take any image size`);
  const details: Record<string, number | string> = {
    inputName: input.name,
    outputName: output.name,
    layout,
    precision: input.elemType === T.FLOAT16 ? 'float16' : 'float32',
    // ONNX files do not say; 0..1 is what PyTorch SR models are trained on and what chaiNNer feeds them.
    inputRange: inputRange === '0-255' ? '0..255' : '0..1',
    opset,
    nodes: g.node.length,
  };
  // Tile windows must start on this grid (a net that needs a multiple is not shift-invariant by one pixel)...
  const sizeMultiple = multiples[k];
  const range = inputRange === '0-255' ? undefined : 1;
  let bytesOut = wrap(bytes, plan, range);
  if (sizeMultiple > 1 && opset >= 11) {
    // ...and the last tile of an image may have any size: pad inside the graph (Pad/Mod/Slice with inputs
    // need opset 11), then check that it takes an odd size.
    const padded = wrap(bytes, plan, range, { multiple: sizeMultiple, scale });
    const check = probeOnnxSync(padded, [{ data: pattern(9, 11).map((v) => v * 255), dims: [1, 3, 9, 11] }]);
    const r = check.results[0];
    if (!check.error && r?.data && r.dims[2] === 9 * scale && r.dims[3] === 11 * scale) {
      bytesOut = padded;
      details.padsToMultipleOf = sizeMultiple;
    }
  }

  let params = 0;
  for (const t of g.initializer) if ([T.FLOAT, T.FLOAT16, T.DOUBLE, T.BFLOAT16].includes(t.dataType)) params += t.dims.reduce((a: number, d: Long) => a * num(d), 1);
  return {
    descriptor: { architecture: 'ONNX', scale, inChannels: 3, outChannels: 3, details, params, sourceFormat: 'onnx', sizeMultiple },
    onnx: bytesOut,
  };
}
