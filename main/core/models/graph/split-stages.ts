/**
 * Splits a super-resolution graph where it first upsamples: the *body* (everything up to the tensor the
 * first Resize/DepthToSpace reads, at the input's resolution or a pixel-unshuffled grid of it) and the
 * *head* (from that tensor, the features, to the output). A deep body (RRDBNet's 23 blocks) reaches far but
 * holds little memory per pixel, so it can run on large tiles; the head reaches a pixel or two but holds
 * its activations at the output's resolution, so it runs in small sub-tiles (inference/two-stage.ts).
 *
 * The split is read from the graph alone, so it serves every converter (PyTorch layouts, ncnn, ONNX files)
 * and models imported before it existed. It refuses, with a reason, unless both sides are plain local
 * convolution nets whose reach, scale and memory it can tell from the graph: attention, norms over a tile,
 * strided convs and a head that reads the input (Compact's upsampled-input skip) are not split.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

type Long = number | { toNumber(): number };
const num = (v: Long | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

export interface StageFacts {
  /** Input pixels per feature pixel along each axis (a pixel-unshuffle stem's factor; 1 for most nets). */
  featureStride: number;
  /** Output pixels per feature pixel. */
  headScale: number;
  /** Feature pixels of context the head needs on each side of a sub-tile for it to equal one whole run. */
  headOverlap: number;
  featureChannels: number;
  /** Float channels alive at once at the body's worst moment, per input pixel (its memory per pixel ÷ 4 B). */
  bodyPeakChannels: number;
  /** The same for the head, per feature pixel (its high-resolution activations counted at their size). */
  headPeakChannels: number;
  /** True when the head has a convolution: only then is running it apart worth a second pass. */
  headConvolves: boolean;
}

export interface SplitGraphs {
  body: Uint8Array;
  head: Uint8Array;
  facts: StageFacts;
}

/**
 * Ops that change nothing but values, pixel by pixel (their reach and resolution are their inputs'); an int8
 * build's QuantizeLinear/DequantizeLinear of activations too.
 */
const POINTWISE = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Clip', 'Softplus', 'Add', 'Sub', 'Mul', 'Div', 'Identity', 'QuantizeLinear', 'DequantizeLinear']);
/** Ops that only compute sizes from Shape (the pad-to-multiple and crop arithmetic). */
const SHAPE_OPS = new Set(['Shape', 'Slice', 'Neg', 'Mod', 'Concat', 'Mul', 'Add', 'Sub', 'Div', 'Gather', 'Unsqueeze', 'Squeeze', 'Cast']);

class Refused extends Error {}
const refuse = (why: string): never => {
  throw new Refused(why);
};

/** The body and head graphs and what running them apart needs, or why this graph is not split. */
export function splitStages(bytes: Uint8Array): SplitGraphs | { reason: string } {
  try {
    return split(bytes);
  } catch (err) {
    if (err instanceof Refused) return { reason: err.message };
    throw err;
  }
}

function split(bytes: Uint8Array): SplitGraphs {
  const model: any = onnx.ModelProto.decode(bytes);
  const g = model.graph;
  const inits = new Map<string, any>(g.initializer.map((t: any) => [t.name, t]));
  const nodes: any[] = g.node;
  const inputName: string = g.input.find((v: any) => !inits.has(v.name)).name;
  const outputName: string = g.output[0].name;
  for (const n of nodes) if (n.opType === 'Constant') refuse('Constant nodes are not split');
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.output.forEach((o: string) => producer.set(o, i)));
  // Constants: the weights, and what nodes compute from weights alone (an int8 build's dequantized weights).
  // Their nodes go into whichever side reads them, both if both do.
  const constNodes = new Set<number>();
  const isConst = (t: string) => !t || inits.has(t) || constNodes.has(producer.get(t) ?? -1);
  nodes.forEach((n, i) => {
    if (n.opType !== 'Shape' && n.input.length && n.input.every(isConst)) constNodes.add(i);
  });
  /** A constant's dims: an initializer's, or those of the weight a DequantizeLinear reads. */
  const constDims = (t: string): number[] | undefined => {
    if (inits.has(t)) return inits.get(t).dims.map(num);
    const n = nodes[producer.get(t) ?? -1];
    return n && constNodes.has(producer.get(t)!) && n.opType === 'DequantizeLinear' ? constDims(n.input[0]) : undefined;
  };

  // Tensors that are sizes, not images: what Shape gives and what is computed from sizes and constants.
  const shapeTensors = new Set<string>();
  for (const n of nodes) {
    const live = n.input.filter((x: string) => !isConst(x));
    if (n.opType === 'Shape' || (SHAPE_OPS.has(n.opType) && live.length > 0 && live.every((x: string) => shapeTensors.has(x)))) n.output.forEach((o: string) => shapeTensors.add(o));
  }

  const first = nodes.findIndex((n) => n.opType === 'Resize' || n.opType === 'Upsample' || n.opType === 'DepthToSpace');
  if (first < 0) refuse('the graph never upsamples');
  const features: string = nodes[first].input[0];

  const ancestors = (from: string[]): Set<number> => {
    const seen = new Set<number>();
    const stack = [...from];
    while (stack.length) {
      const t = stack.pop()!;
      const p = producer.get(t);
      if (p === undefined || seen.has(p) || constNodes.has(p)) continue;
      seen.add(p);
      stack.push(...nodes[p].input.filter((x: string) => x));
    }
    return seen;
  };
  const body = ancestors([features]);

  // The head: what the output needs beyond the body. A final crop to the input's size times the scale
  // (a graph that pads to a multiple) is dropped: the stitcher crops to the image anyway.
  let headOut = outputName;
  const last = nodes[producer.get(outputName)!];
  if (last?.opType === 'Slice' && last.input.slice(1).every((x: string) => !x || inits.has(x) || shapeTensors.has(x))) {
    const starts = intsOf(inits.get(last.input[1]));
    const axes = last.input[3] ? intsOf(inits.get(last.input[3])) : undefined;
    if (!starts || starts.some((s) => s !== 0) || !axes || axes.join() !== '2,3') refuse('the graph ends in a slice other than a crop');
    headOut = last.input[0];
  }
  const needed = ancestors([headOut]);
  const head = [...needed].filter((i) => !body.has(i)).sort((a, b) => a - b);
  const headSet = new Set(head);

  // every head input comes from the head, the features or the weights
  for (const i of head) {
    for (const x of nodes[i].input) {
      if (isConst(x) || x === features) continue;
      const p = producer.get(x);
      if (p === undefined || !headSet.has(p)) refuse(x === inputName || shapeTensors.has(x) ? 'the head reads the input' : `the head reads the body's ${x}, not only its features`);
    }
  }

  // ---- the body: local, resolution-keeping ops; sizes for the memory estimate
  const channels = new Map<string, number>([[inputName, 3]]);
  /** Pixels of the input per pixel of this tensor: 1, or a pixel-unshuffle's r². */
  const area = new Map<string, number>([[inputName, 1]]);
  let stride = 1;
  const bodyOrder = [...body].sort((a, b) => a - b);
  for (const i of bodyOrder) {
    const n = nodes[i];
    if (n.output.every((o: string) => shapeTensors.has(o))) continue;
    const x = n.input.find((t: string) => !isConst(t) && !shapeTensors.has(t));
    if (x === undefined) refuse(`${n.opType} ${n.name} reads only constants`);
    const c = channels.get(x)!;
    const a = area.get(x)!;
    let outC = c;
    let outA = a;
    switch (n.opType) {
      case 'Conv':
        convReach(n, constDims(n.input[1])); // refuses strided or size-changing convs
        outC = constDims(n.input[1])?.[0] || refuse(`${n.name}: weights are not constant`);
        break;
      case 'SpaceToDepth': {
        const r = attrInt(n, 'blocksize');
        outC = c * r * r;
        outA = a * r * r;
        stride *= r;
        break;
      }
      case 'Gather':
        if (attrInt(n, 'axis') !== 1 || !constDims(n.input[1])) refuse(`${n.name}: a gather other than a channel reorder`);
        outC = constDims(n.input[1])![0];
        break;
      case 'Concat':
        if (attrInt(n, 'axis') !== 1 && attrInt(n, 'axis') !== -3) refuse(`${n.name}: a concat across pixels`);
        outC = n.input.reduce((s: number, t: string) => s + (channels.get(t) ?? refuse(`${n.name}: unknown input ${t}`)), 0);
        break;
      case 'Pad':
        break; // to a multiple, at the bottom/right, by the graph's own size arithmetic
      default:
        if (!POINTWISE.has(n.opType)) refuse(`the body has ${n.opType} (${n.name}), which a tile cannot run apart`);
    }
    for (const o of n.output) {
      channels.set(o, outC);
      area.set(o, outA);
    }
  }
  const featureChannels = channels.get(features) ?? refuse('the features have no known channel count');
  if (area.get(features) !== stride * stride) refuse('the features are not on the unshuffled grid');
  const bodyPeakChannels = peakLive(bodyOrder.filter((i) => !nodes[i].output.every((o: string) => shapeTensors.has(o))), nodes, [features], (t) => (channels.get(t) ?? 0) / (area.get(t) ?? 1));

  // ---- the head: scale and reach from the features
  const scaleOf = new Map<string, number>([[features, 1]]);
  const reachOf = new Map<string, number>([[features, 0]]);
  const headChannels = new Map<string, number>([[features, featureChannels]]);
  let convolves = false;
  for (const i of head) {
    const n = nodes[i];
    const xs = n.input.filter((t: string) => !isConst(t));
    if (!xs.length) refuse(`${n.opType} ${n.name} reads only constants`);
    const s = scaleOf.get(xs[0])!;
    if (xs.some((t: string) => scaleOf.get(t) !== s)) refuse(`${n.name} adds tensors of different sizes`);
    let reach = Math.max(...xs.map((t: string) => reachOf.get(t)!));
    let outS = s;
    let outC = headChannels.get(xs[0])!;
    switch (n.opType) {
      case 'Conv':
        reach += convReach(n, constDims(n.input[1])) / s;
        outC = constDims(n.input[1])?.[0] || refuse(`${n.name}: weights are not constant`);
        convolves = true;
        break;
      case 'Resize':
      case 'Upsample': {
        if (attrStr(n, 'mode') !== 'nearest') refuse(`${n.name}: ${attrStr(n, 'mode')} resizing reaches past its pixel`);
        if (n.opType === 'Resize' && (attrStr(n, 'coordinate_transformation_mode') ?? 'half_pixel') !== 'asymmetric') refuse(`${n.name}: nearest resizing other than asymmetric`);
        const scales = floatsOf(inits.get(n.input[n.opType === 'Resize' ? 2 : 1]));
        if (!scales || scales.length !== 4 || scales[0] !== 1 || scales[1] !== 1 || scales[2] !== scales[3] || !Number.isInteger(scales[2]) || scales[2] < 1) refuse(`${n.name}: not a whole-number resize by constant scales`);
        outS = s * scales![2];
        break;
      }
      case 'DepthToSpace': {
        const r = attrInt(n, 'blocksize');
        outS = s * r;
        outC = outC / (r * r);
        break;
      }
      default:
        if (!POINTWISE.has(n.opType)) refuse(`the head has ${n.opType} (${n.name})`);
    }
    for (const o of n.output) {
      scaleOf.set(o, outS);
      reachOf.set(o, reach);
      headChannels.set(o, outC);
    }
  }
  const headScale = scaleOf.get(headOut)!;
  if (!Number.isInteger(headScale) || headScale % stride !== 0) refuse(`the head scales by ${headScale}, not a whole multiple of the unshuffle ${stride}`);
  const headPeakChannels = peakLive(head, nodes, [headOut], (t) => (headChannels.get(t) ?? 0) * (scaleOf.get(t) ?? 1) ** 2, [features]);

  const facts: StageFacts = {
    featureStride: stride,
    headScale,
    // ceil of the reach, and one more: nearest-resize rounding can shift a dependency by a pixel
    headOverlap: Math.ceil(reachOf.get(headOut)! - 1e-9) + 1,
    featureChannels,
    bodyPeakChannels: Math.ceil(bodyPeakChannels),
    headPeakChannels: Math.ceil(headPeakChannels),
    headConvolves: convolves,
  };

  const valueType = (c: number | string, h: string, w: string) => ({ tensorType: { elemType: T.FLOAT, shape: { dim: ['batch', c, h, w].map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } });
  const encode = (picked: number[], input: any, output: any, rename?: [string, string]) => {
    // with the constant nodes they read (and those read by those), in the graph's order
    const all = new Set(picked);
    const stack = picked.flatMap((i) => nodes[i].input);
    while (stack.length) {
      const p = producer.get(stack.pop()!);
      if (p !== undefined && constNodes.has(p) && !all.has(p)) {
        all.add(p);
        stack.push(...nodes[p].input);
      }
    }
    const ns = [...all].sort((a, b) => a - b).map((i) => nodes[i]);
    if (rename) for (const n of ns) n.output = n.output.map((o: string) => (o === rename[0] ? rename[1] : o));
    const used = new Set(ns.flatMap((n) => n.input));
    return onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: model.irVersion,
        opsetImport: model.opsetImport,
        producerName: model.producerName,
        producerVersion: model.producerVersion,
        graph: { name: g.name, node: ns, initializer: g.initializer.filter((t: any) => used.has(t.name)), input: [input], output: [output] },
      }),
    ).finish();
  };
  const bodyBytes = encode(bodyOrder, g.input.find((v: any) => v.name === inputName), { name: features, type: valueType(featureChannels, 'feature_height', 'feature_width') });
  const headBytes = encode(
    head,
    { name: features, type: valueType(featureChannels, 'feature_height', 'feature_width') },
    { name: outputName, type: valueType(3, 'out_height', 'out_width') },
    headOut === outputName ? undefined : [headOut, outputName],
  );
  return { body: bodyBytes, head: headBytes, facts };
}

/** A convolution's reach in its own pixels (`dims`: its weight's); refuses strides and padding that change the size. */
function convReach(n: any, dims: number[] | undefined): number {
  if (!dims) refuse(`${n.name}: weights are not constant`);
  const [kh, kw] = [dims![2], dims![3]];
  const strides = attrInts(n, 'strides') ?? [1, 1];
  const dil = attrInts(n, 'dilations') ?? [1, 1];
  const pads = attrInts(n, 'pads') ?? [0, 0, 0, 0];
  const auto = attrStr(n, 'auto_pad');
  if (strides.some((s) => s !== 1)) refuse(`${n.name}: a strided convolution`);
  const rh = ((kh - 1) * dil[0]) / 2;
  const rw = ((kw - 1) * dil[1]) / 2;
  const same = auto === 'SAME_UPPER' || auto === 'SAME_LOWER' || (pads[0] === rh && pads[2] === rh && pads[1] === rw && pads[3] === rw);
  if (!same || !Number.isInteger(rh) || !Number.isInteger(rw)) refuse(`${n.name}: a convolution that changes the size`);
  return Math.max(rh, rw);
}

/**
 * The most float channels alive at once when `order` runs (per pixel of the size `size` measures in):
 * each node's outputs are allocated before its inputs are freed, as a runtime without in-place reuse does.
 */
function peakLive(order: number[], nodes: any[], keep: string[], size: (t: string) => number, given: string[] = []): number {
  const lastUse = new Map<string, number>();
  order.forEach((i, k) => nodes[i].input.forEach((t: string) => lastUse.set(t, k)));
  for (const t of keep) lastUse.set(t, Infinity);
  const live = new Map<string, number>(given.map((t) => [t, size(t)]));
  let now = [...live.values()].reduce((a, b) => a + b, 0);
  let peak = now;
  order.forEach((i, k) => {
    for (const o of nodes[i].output) {
      const v = size(o);
      live.set(o, v);
      now += v;
    }
    peak = Math.max(peak, now);
    for (const t of new Set<string>(nodes[i].input)) {
      if (live.has(t) && lastUse.get(t) === k) {
        now -= live.get(t)!;
        live.delete(t);
      }
    }
  });
  return peak;
}

const attrOf = (n: any, name: string) => (n.attribute ?? []).find((a: any) => a.name === name);
const attrInt = (n: any, name: string): number => num(attrOf(n, name)?.i);
const attrInts = (n: any, name: string): number[] | undefined => attrOf(n, name)?.ints?.map(num);
const attrStr = (n: any, name: string): string | undefined => {
  const a = attrOf(n, name);
  return a && a.type === A.STRING ? new TextDecoder().decode(a.s) : undefined;
};

function intsOf(t: any): number[] | undefined {
  if (!t) return undefined;
  if (t.int64Data?.length) return t.int64Data.map(num);
  if (t.rawData?.length && t.dataType === T.INT64) {
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 8 }, (_, i) => Number(v.getBigInt64(i * 8, true)));
  }
  return undefined;
}

function floatsOf(t: any): number[] | undefined {
  if (!t || t.dataType !== T.FLOAT) return undefined;
  if (t.floatData?.length) return [...t.floatData];
  if (t.rawData?.length) {
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 4 }, (_, i) => v.getFloat32(i * 4, true));
  }
  return undefined;
}
