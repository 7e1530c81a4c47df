/**
 * What an imported graph needs before quantization, and the graphs int8 is refused for. Quantization here
 * is of convolutions: their inputs and outputs in u8, their weights in int8. Attention nets (SwinIR, OmniSR,
 * DAT, HAT) spend most of their time in matrix products, softmax and layer norms, which stay float, so an
 * int8 build of them would be hardly faster while still paying int8's rounding: refused by name up front.
 * The convolutions that write the picture (a graph output is reached from them without another
 * convolution) stay float, as they do in thick's build: their rounding would land on the pixels unfiltered.
 */
import onnxProto from 'onnx-proto';
import { BenchError } from '../../errors.js';
import { mergeConvParts } from './merge-conv-parts.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

/** Ops of attention and transformer MLPs: their work stays float in an int8 build. */
const ATTENTION_OPS = new Set(['MatMul', 'Gemm', 'Softmax', 'LayerNormalization', 'Einsum', 'Attention', 'MultiHeadAttention']);

/** An int8 build that is not made: the message names why, and what it measured when it measured. */
export class Int8Refused extends BenchError {
  constructor(
    message: string,
    /** Refused on what was measured (a cost or a speed), which `--force` may override; not on what the graph is. */
    readonly forcible = false,
  ) {
    super('ERROR_BAD_SETTINGS', message);
    this.name = 'Int8Refused';
  }
}

export interface PreparedGraph {
  /** The float graph with sums of convolutions merged back into one (see merge-conv-parts). */
  bytes: Uint8Array;
  /** Convolutions that stay float: those that write the picture. */
  floatConvs: Set<string>;
  convs: number;
}

export function prepareForInt8(floatOnnx: Uint8Array, architecture: string): PreparedGraph {
  const model = onnx.ModelProto.decode(floatOnnx);
  const g = model.graph!;
  const ops = new Set((g.node ?? []).map((n) => n.opType!));
  const attention = [...ops].filter((o) => ATTENTION_OPS.has(o));
  if (attention.length) {
    throw new Int8Refused(
      `int8 is not offered for ${architecture}: most of its work is attention (${attention.join(', ')}), which an int8 build keeps in float, so it would be hardly faster while still losing int8's rounding; run it in fp32`,
    );
  }
  const opset = Number((model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  if (opset < 13) throw new Int8Refused(`int8 needs ONNX opset 13 or later (per-channel weights); this ${architecture} graph is opset ${opset}`);
  if ((g.node ?? []).some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length))) {
    throw new Int8Refused(`int8 is not offered for this ${architecture} graph: it has control flow (If/Loop subgraphs) the quantizer does not follow`);
  }

  const { bytes } = mergeConvParts(floatOnnx);
  const merged = onnx.ModelProto.decode(bytes).graph!;
  const inits = new Map((merged.initializer ?? []).map((t) => [t.name!, t]));
  const convs = (merged.node ?? []).filter((n) => n.opType === 'Conv');
  const int8Able = convs.filter((c) => inits.get(c.input![1])?.dataType === DT.FLOAT && inits.get(c.input![1])?.dims?.length === 4);
  const floatConvs = pictureWriters(merged);
  if (int8Able.filter((c) => !floatConvs.has(c.name!)).length === 0) {
    throw new Int8Refused(`int8 is not offered for this ${architecture} graph: it has no convolution with fixed weights to quantize beyond the ones that write the picture`);
  }
  return { bytes, floatConvs, convs: convs.length };
}

/** Convolutions from whose output a graph output is reached through no other convolution. */
function pictureWriters(g: onnxProto.onnx.IGraphProto): Set<string> {
  const producer = new Map<string, onnxProto.onnx.INodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  const writers = new Set<string>();
  const seen = new Set<string>();
  const walk = (tensor: string) => {
    if (seen.has(tensor)) return;
    seen.add(tensor);
    const n = producer.get(tensor);
    if (!n) return;
    if (n.opType === 'Conv') {
      writers.add(n.name!);
      return;
    }
    for (const i of n.input ?? []) if (i) walk(i);
  };
  for (const o of g.output ?? []) walk(o.name!);
  return writers;
}
