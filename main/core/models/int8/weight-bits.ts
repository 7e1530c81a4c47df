/**
 * Whether this machine's int8 convolution kernels can take 8-bit weights. onnxruntime's u8×s8 kernel on
 * AVX2 without VNNI adds pairs of products in int16 (vpmaddubsw), which saturates once 255·w·2 > 32767;
 * VNNI (vpdpbusd) and ARM's dot products sum in int32 and do not. Rather than guess from CPU flags, a
 * one-layer int8 graph that saturates exactly when the kernel does is run once: 8-bit weights where the
 * sums are exact (+6 dB on the weights' own rounding, measured), else 7-bit ones (255·63·2 < 32767).
 * An int8 build is made and measured on the machine that runs it, so the choice is this machine's.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const CIN = 64;
const SIZE = 8;

let cached: Promise<7 | 8> | undefined;

export function int8WeightBits(): Promise<7 | 8> {
  cached ??= probe().catch(() => 7 as const);
  return cached;
}

/** input·1 → u8 → 1×1 conv with every weight 127 → sum of CIN products 255·127 = 2,072,640 per pixel when exact. */
export function saturationProbeGraph(): Uint8Array {
  const scalar = (name: string, dataType: number, v: number) => (dataType === DT.FLOAT ? { name, dims: [], dataType, floatData: [v] } : { name, dims: [], dataType, rawData: Uint8Array.of(v) });
  const exact = 255 * 127 * CIN;
  const graph = {
    name: 'int8-saturation-probe',
    input: [{ name: 'input', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [1, CIN, SIZE, SIZE].map((d) => ({ dimValue: d })) } } } }],
    output: [{ name: 'output', type: { tensorType: { elemType: DT.FLOAT } } }],
    initializer: [
      scalar('one', DT.FLOAT, 1),
      scalar('zero', DT.UINT8, 0),
      scalar('out_scale', DT.FLOAT, exact / 255),
      { name: 'w', dims: [1, CIN, 1, 1], dataType: DT.INT8, rawData: new Uint8Array(CIN).fill(127) },
      { name: 'w_scale', dims: [1], dataType: DT.FLOAT, floatData: [1] },
      { name: 'w_zero', dims: [1], dataType: DT.INT8, rawData: new Uint8Array(1) },
    ],
    node: [
      { opType: 'QuantizeLinear', input: ['input', 'one', 'zero'], output: ['x_q'], name: 'q' },
      { opType: 'DequantizeLinear', input: ['x_q', 'one', 'zero'], output: ['x'], name: 'dq' },
      { opType: 'DequantizeLinear', input: ['w', 'w_scale', 'w_zero'], output: ['w_dq'], name: 'wdq', attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
      { opType: 'Conv', input: ['x', 'w_dq'], output: ['y'], name: 'conv', attribute: [{ name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1] }] },
      { opType: 'QuantizeLinear', input: ['y', 'out_scale', 'zero'], output: ['y_q'], name: 'yq' },
      { opType: 'DequantizeLinear', input: ['y_q', 'out_scale', 'zero'], output: ['output'], name: 'ydq' },
    ],
  };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'upscale-bench', graph }).finish();
}

async function probe(): Promise<7 | 8> {
  const session = await ort.InferenceSession.create(saturationProbeGraph(), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(CIN * SIZE * SIZE).fill(255), [1, CIN, SIZE, SIZE]) });
    const y = out.output.data as Float32Array;
    // exact: 255 levels of out_scale; saturated pair sums (≤ 32767 per pair) give about half
    return y.every((v) => v > (255 * 127 * CIN) * 0.99) ? 8 : 7;
  } finally {
    await session.release();
  }
}
