/**
 * Static int8 quantization of a convolutional graph, written in ONNX's QDQ form: what convolutions read and
 * write passes QuantizeLinear → DequantizeLinear with a range calibrated on sample images, and every
 * quantized convolution reads int8 weights (per output channel) through DequantizeLinear. onnxruntime fuses
 * those patterns into QLinearConv / QLinearConcat / QLinearLeakyRelu, whose u8×s8 kernels do about twice
 * the fp32 work per cycle on AVX2. Everything else (residual additions, PReLU, normalisations, the
 * convolutions that write the picture) stays float. The loss is real and measured (README); int8 is never
 * on by default.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

export interface Range {
  min: number;
  max: number;
}

export interface QuantizeOptions {
  /**
   * Weight magnitude bits. 7 (±63) keeps AVX2's u8×s8 pair sums inside int16 (255·63·2 < 32767); 8 bits
   * can saturate there on CPUs without VNNI, which this default avoids at the cost of weight precision.
   */
  weightBits?: 7 | 8;
  /** Tensors left in float (and so the ops that produce them run in float). */
  keepFloat?: readonly string[];
  /** Convolutions (node names) that stay float, with their inputs and outputs. */
  floatConvs?: ReadonlySet<string>;
  /**
   * The last convolutions (default 3: thick's trunk exit, pre-shuffle and output convs), their inputs and
   * outputs stay float. They carry the picture itself at its widest range; about 1% of thick's work.
   */
  floatTailConvs?: number;
}

const isFloatInit = (t: any) => t?.dataType === DT.FLOAT;

function floatsOf(t: any): Float32Array {
  if (t.rawData?.length) {
    const raw = t.rawData as Uint8Array;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return Float32Array.from(t.floatData ?? []);
}

/** u8 scale and zero point for a range; the range always includes 0 so that zero is exact (padding). */
export function activationParams({ min, max }: Range): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max, lo + 1e-6);
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

export function quantizeGraph(modelBytes: Uint8Array, ranges: ReadonlyMap<string, Range>, options: QuantizeOptions = {}): Uint8Array {
  const qmax = options.weightBits === 8 ? 127 : 63;
  const model = onnx.ModelProto.decode(modelBytes);
  const g = model.graph!;
  const keepFloat = new Set(options.keepFloat ?? []);
  const allConvs = (g.node ?? []).filter((n) => n.opType === 'Conv');
  const floatConvs = new Set([...allConvs.slice(allConvs.length - Math.min(allConvs.length, options.floatTailConvs ?? 3)), ...allConvs.filter((c) => options.floatConvs?.has(c.name!))]);
  for (const c of floatConvs) {
    keepFloat.add(c.input![0]);
    for (const o of c.output ?? []) keepFloat.add(o);
  }
  // Residual additions (and their scalings) read and write float; only what convolutions and
  // concatenations read is quantized. A u8 residual stream re-rounds at each of thick's 30 dense blocks:
  // measured −0.2 dB against −0.03 dB with float residuals, for 2% of the run time.
  const elementwise = (n: any) => n.opType === 'Add' || n.opType === 'Sum' || n.opType === 'Mul';
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const consumers = new Map<string, any[]>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name));
  const quantizable = (t: string) => ranges.has(t) && !keepFloat.has(t) && !graphOutputs.has(t);

  // Which tensors get a u8 copy, found to a fixed point: a quantized conv's data input and its output (or,
  // when a Relu alone reads that output, the Relu's: onnxruntime folds the Relu into the u8 clamp), and every
  // input of a Concat whose output is quantized (so it runs as QLinearConcat). A conv whose input or output
  // cannot be quantized (no range, kept float) runs in float.
  const qconvs = new Set(allConvs.filter((c) => !floatConvs.has(c) && isFloatInit(inits.get(c.input![1])) && (!c.input![2] || isFloatInit(inits.get(c.input![2])))));
  const convOut = (c: any): string => {
    const out = c.output![0];
    const users = consumers.get(out) ?? [];
    return users.length === 1 && users[0].opType === 'Relu' && !graphOutputs.has(out) ? users[0].output![0] : out;
  };
  let need = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    need = new Set();
    for (const c of qconvs) {
      if (!quantizable(c.input![0]) || !quantizable(convOut(c))) {
        qconvs.delete(c);
        changed = true;
        continue;
      }
      need.add(c.input![0]);
      need.add(convOut(c));
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const n of g.node ?? []) {
        if (n.opType !== 'Concat' || !need.has(n.output![0])) continue;
        for (const i of n.input ?? []) {
          if (need.has(i)) continue;
          if (!quantizable(i)) {
            // a concat with a float-only input stays float; what it feeds runs in float
            for (const c of qconvs) if (c.input![0] === n.output![0]) qconvs.delete(c);
            changed = true;
            continue;
          }
          need.add(i);
          grew = true;
        }
      }
    }
  }
  const qconvOutputs = new Set([...qconvs].map(convOut));

  const newInits: any[] = [];
  const nodes: any[] = [];
  const scalar = (name: string, dataType: number, v: number) => {
    newInits.push(dataType === DT.FLOAT ? { name, dims: [], dataType, floatData: [v] } : { name, dims: [], dataType, rawData: Uint8Array.of(v) });
    return name;
  };
  /** Quantized form of a float tensor: its DequantizeLinear output and the parameters it was made with. */
  const quantized = new Map<string, { dq: string; scale: number; fromConv: boolean }>();

  const emitQdq = (tensor: string) => {
    const { scale, zeroPoint } = activationParams(ranges.get(tensor)!);
    const s = scalar(`${tensor}_qscale`, DT.FLOAT, scale);
    const z = scalar(`${tensor}_qzero`, DT.UINT8, zeroPoint);
    nodes.push({ opType: 'QuantizeLinear', input: [tensor, s, z], output: [`${tensor}_q`], name: `${tensor}_quantize` });
    nodes.push({ opType: 'DequantizeLinear', input: [`${tensor}_q`, s, z], output: [`${tensor}_dq`], name: `${tensor}_dequantize` });
    // A conv's float output must have no reader but its QuantizeLinear, or onnxruntime cannot fuse it.
    quantized.set(tensor, { dq: `${tensor}_dq`, scale, fromConv: qconvOutputs.has(tensor) });
  };

  const dequantizePerChannel = (name: string, dims: number[], dataType: number, data: Int8Array | Int32Array, scale: Float32Array, zeroBytes: number) => {
    newInits.push({ name, dims, dataType, rawData: new Uint8Array(data.buffer) });
    newInits.push({ name: `${name}_scale`, dims: [scale.length], dataType: DT.FLOAT, rawData: new Uint8Array(scale.buffer) });
    newInits.push({ name: `${name}_zero`, dims: [scale.length], dataType, rawData: new Uint8Array(zeroBytes * scale.length) });
    const axis = { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 };
    nodes.push({ opType: 'DequantizeLinear', input: [name, `${name}_scale`, `${name}_zero`], output: [`${name}_dq`], name: `${name}_dequantize`, attribute: [axis] });
    return `${name}_dq`;
  };

  for (const input of g.input ?? []) if (need.has(input.name!)) emitQdq(input.name!);
  for (const node of g.node ?? []) {
    const inputs = [...(node.input ?? [])];
    const rewired = inputs.map((i) => {
      const q = quantized.get(i);
      return q && (q.fromConv || !elementwise(node)) ? q.dq : i;
    });
    if (qconvs.has(node)) {
      const w = inits.get(inputs[1])!;
      const dims = (w.dims ?? []).map(Number);
      const cout = dims[0];
      const per = dims.slice(1).reduce((a, b) => a * b, 1);
      const wf = floatsOf(w);
      const wq = new Int8Array(wf.length);
      const wScale = new Float32Array(cout);
      for (let o = 0; o < cout; o++) {
        let amax = 0;
        for (let i = o * per; i < (o + 1) * per; i++) amax = Math.max(amax, Math.abs(wf[i]));
        wScale[o] = amax > 0 ? amax / qmax : 1;
        for (let i = o * per; i < (o + 1) * per; i++) wq[i] = Math.round(wf[i] / wScale[o]);
      }
      rewired[1] = dequantizePerChannel(`${inputs[1]}_i8`, dims, DT.INT8, wq, wScale, 1);
      if (inputs[2]) {
        // Bias in int32 at the accumulator's scale (input scale × weight scale), as QLinearConv wants it.
        const bf = floatsOf(inits.get(inputs[2]));
        const bScale = wScale.map((s) => s * quantized.get(inputs[0])!.scale);
        const bq = Int32Array.from(bf, (v, o) => Math.round(v / bScale[o]));
        rewired[2] = dequantizePerChannel(`${inputs[2]}_i32`, [cout], DT.INT32, bq, bScale, 4);
      }
    }
    nodes.push({ ...node, input: rewired });
    for (const out of node.output ?? []) if (need.has(out)) emitQdq(out);
  }
  // Float weights replaced by int8 ones are dropped; everything else stays.
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  g.initializer = [...(g.initializer ?? []).filter((t) => used.has(t.name!)), ...newInits];
  g.node = nodes;
  model.docString = `${model.docString ?? ''} · int8 QDQ (${qmax === 63 ? 7 : 8}-bit weights, ${quantized.size} activations, ${qconvs.size} of ${allConvs.length} convolutions)`;
  return onnx.ModelProto.encode(model).finish();
}
