/**
 * Activation ranges for static int8 quantization: the float graph runs on a few sample images and each
 * float tensor's min/max over all of them becomes its u8 range. Min/max (not a percentile) because on these
 * models both narrower and wider ranges measured worse (README). The minima and maxima are reduced inside
 * the graph (ReduceMin/ReduceMax outputs), so calibrating a deep net holds no more than a run of it does;
 * convolution outputs and the activations after them are also reduced per channel, for equalization.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import type { RawImage } from '../image/raw.js';
import { planarWindow } from '../inference/onnx-runner.js';
import type { Range } from './quantize.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

export interface CalibratedRange extends Range {
  /** Per channel (axis 1), for 4-d tensors that convolutions write or per-channel activations read. */
  channels?: { min: Float32Array; max: Float32Array };
}

/** Ops that keep a conv output's channels one to one (PReLU's slope is per channel; Resize only moves pixels). */
export const CHANNELWISE = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Resize']);

/** The float tensors of a graph, found by following types from the input and initializers (Shape gives int64). */
export function floatTensors(model: onnxProto.onnx.IModelProto): { all: string[]; fourD: Set<string> } {
  const g = model.graph!;
  const type = new Map<string, number>([...(g.input ?? []).map((i) => [i.name!, i.type?.tensorType?.elemType ?? DT.FLOAT] as const), ...(g.initializer ?? []).map((t) => [t.name!, t.dataType!] as const)]);
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const all: string[] = [];
  const fourD = new Set<string>();
  for (const n of g.node ?? []) {
    const to = (n.attribute ?? []).find((a) => a.name === 'to');
    const t = n.opType === 'Shape' || n.opType === 'Size' ? DT.INT64 : n.opType === 'Cast' && to ? Number(to.i) : type.get(n.input?.[0] ?? '') ?? DT.FLOAT;
    for (const out of n.output ?? []) {
      type.set(out, t);
      if (t !== DT.FLOAT) continue;
      all.push(out);
      const convWeight = n.opType === 'Conv' ? inits.get(n.input![1]) : undefined;
      if ((convWeight && convWeight.dims?.length === 4) || (CHANNELWISE.has(n.opType!) && fourD.has(n.input![0]))) fourD.add(out);
    }
  }
  return { all, fourD };
}

/** The graph with each float tensor's min and max as extra outputs (per channel for the 4-d ones). */
export function withRangeOutputs(modelBytes: Uint8Array): { bytes: Uint8Array; tensors: string[]; perChannel: Set<string> } {
  const model = onnx.ModelProto.decode(modelBytes);
  const g = model.graph!;
  const { all, fourD } = floatTensors(model);
  const outputs = new Set((g.output ?? []).map((o) => o.name));
  const tensors = all.filter((t) => !outputs.has(t));
  // Reduce ops take their axes as an attribute up to opset 17, as an input from 18.
  const opset = Number((model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const axesAsInput = opset >= 18;
  if (axesAsInput) g.initializer!.push({ name: '__calibration_axes', dims: [3], dataType: DT.INT64, int64Data: [0, 2, 3] });
  const axes = { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 3] };
  const keepdims = { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 };
  for (const t of tensors) {
    for (const op of ['ReduceMin', 'ReduceMax']) {
      const out = `${t}__${op === 'ReduceMin' ? 'min' : 'max'}`;
      const perChannel = fourD.has(t);
      g.node!.push({ opType: op, input: perChannel && axesAsInput ? [t, '__calibration_axes'] : [t], output: [out], name: out, attribute: perChannel && !axesAsInput ? [axes, keepdims] : [keepdims] });
      g.output!.push({ name: out, type: { tensorType: { elemType: DT.FLOAT } } });
    }
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), tensors, perChannel: new Set(tensors.filter((t) => fourD.has(t))) };
}

export async function calibrateRanges(floatModel: Uint8Array, images: readonly RawImage[], threads = 0): Promise<Map<string, CalibratedRange>> {
  const { bytes, tensors, perChannel } = withRangeOutputs(floatModel);
  // 'basic' keeps every named tensor; fusions at higher levels would hide some of them.
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, graphOptimizationLevel: 'basic' });
  const ranges = new Map<string, CalibratedRange>();
  try {
    for (const img of images) {
      if (img.channels !== 3) throw new Error('calibration images must be RGB');
      const out = await session.run({ input: new ort.Tensor('float32', planarWindow(img), [1, 3, img.height, img.width]) });
      for (const name of tensors) {
        const lo = out[`${name}__min`]?.data;
        const hi = out[`${name}__max`]?.data;
        if (!(lo instanceof Float32Array) || !(hi instanceof Float32Array)) continue;
        const r = ranges.get(name);
        const min = Math.min(r?.min ?? Infinity, ...lo);
        const max = Math.max(r?.max ?? -Infinity, ...hi);
        if (!perChannel.has(name)) {
          ranges.set(name, { min, max });
          continue;
        }
        const channels = r?.channels ?? { min: lo.slice().fill(Infinity), max: hi.slice().fill(-Infinity) };
        for (let c = 0; c < lo.length; c++) {
          channels.min[c] = Math.min(channels.min[c], lo[c]);
          channels.max[c] = Math.max(channels.max[c], hi[c]);
        }
        ranges.set(name, { min, max, channels });
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}
