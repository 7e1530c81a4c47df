/**
 * A small ONNX graph builder shared by every converter (TF.js ESRGANs, PyTorch state dicts, ncnn): nodes,
 * float/int64 initializers, attributes, and the model wrapper with the runner's I/O contract (`input` →
 * `output`, NCHW float32, free spatial size).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export const OPSET = 17;
const IR_VERSION = 8;

export interface OnnxNode {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute?: OnnxAttribute[];
}
export type OnnxAttribute = Record<string, unknown> & { name: string; type: number };

export const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
  float: (name: string, f: number): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f }),
  str: (name: string, s: string): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) }),
  /** A one-element float tensor attribute (ConstantOfShape's value). */
  floatTensor: (name: string, v: number): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.TENSOR, t: { dims: [1], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [v] } }),
};

export interface GraphIo {
  /** Graph name stored in the file. */
  name: string;
  docString?: string;
  inChannels?: number;
  outChannels?: number;
}

export class OnnxGraph {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  /** The graph's own input and output names are never handed out by fresh(). */
  private readonly used = new Set<string>(['input', 'output']);
  private counter = 0;
  /** Parameters stored as float initializers (weights and biases, not shape constants). */
  params = 0;

  /** A tensor/node name not used yet, derived from `base`. */
  fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** A float32 initializer; `countAsParams` for learned weights. Returns its name. */
  constant(name: string, dims: number[], data: Float32Array | number[], countAsParams = false): string {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    this.used.add(name);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) });
    if (countAsParams) this.params += f.length;
    return name;
  }

  /** An int64 initializer (shapes, axes, pads). */
  int64(name: string, dims: number[], data: number[]): string {
    this.used.add(name);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: data });
    return name;
  }

  /** Appends a node with one output (named `output`, or fresh from the node name) and returns the output. */
  node(opType: string, input: string[], name: string, attribute?: OnnxAttribute[], output?: string): string {
    const out = output ?? this.fresh(name);
    this.used.add(out);
    this.nodes.push({ opType, input, output: [out], name, ...(attribute ? { attribute } : {}) });
    return out;
  }

  /** Serialises the graph with the runner's contract: `input` [batch, C, height, width] → `output`. */
  encode(io: GraphIo): Uint8Array {
    const dim = (d: string | number) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
    const tensorType = (dims: (string | number)[]) => ({ tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map(dim) } } });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'upscale-bench',
      producerVersion: '1',
      ...(io.docString ? { docString: io.docString } : {}),
      graph: {
        name: io.name,
        node: this.nodes,
        initializer: this.initializers,
        input: [{ name: 'input', type: tensorType(['batch', io.inChannels ?? 3, 'height', 'width']) }],
        output: [{ name: 'output', type: tensorType(['batch', io.outChannels ?? 3, 'out_height', 'out_width']) }],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
