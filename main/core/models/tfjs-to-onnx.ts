/**
 * Converts the @upscalerjs ESRGAN Keras models (TF.js layers format: model.json + weight shards) into
 * ONNX graphs that onnxruntime runs on the CPU. Only the layers these models use are known; anything
 * else is refused by name. The graph takes and returns NCHW float32 in 0–255 whatever the model's own
 * range, so callers never care which family a model is.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { attr, OnnxGraph } from './graph/onnx-graph.js';

interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, any>;
  inbound_nodes: [string, number, number, Record<string, unknown>][][];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

export interface ConvertedModel {
  onnx: Uint8Array;
  scale: number;
  /** Input range of the original Keras model (thick: 0–1, slim/medium: 0–255). */
  inputRange: [number, number];
  layers: number;
  params: number;
}

export class UnsupportedLayerError extends Error {}

export async function readTfjsWeights(modelJsonPath: string): Promise<{ topology: any; weights: Map<string, { shape: number[]; data: Float32Array }> }> {
  const model = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of model.weightsManifest as { paths: string[]; weights: WeightSpec[] }[]) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dirname(modelJsonPath), p))));
    const buf = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' || w.quantization) throw new UnsupportedLayerError(`weight ${w.name}: only unquantized float32 weights are supported`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(offset + i * 4);
      offset += n * 4;
      weights.set(w.name, { shape: w.shape, data });
    }
  }
  return { topology: model.modelTopology, weights };
}

export interface ConvertOptions {
  /**
   * Replace concatenations that feed convolutions by sums of per-part convolutions (default). Off for
   * graphs to be quantized: int8 adds would cost precision, and onnxruntime's QLinearConcat is cheap.
   */
  splitConcat?: boolean;
}

export async function convertTfjsModel(modelJsonPath: string, options: ConvertOptions = {}): Promise<ConvertedModel> {
  const splitConcat = options.splitConcat ?? true;
  const { topology, weights } = await readTfjsWeights(modelJsonPath);
  const config = topology.model_config ?? topology;
  if (config.class_name !== 'Functional' && config.class_name !== 'Model') {
    throw new UnsupportedLayerError(`model class ${config.class_name} is not supported (Functional only)`);
  }
  const layers: KerasLayer[] = config.config.layers;
  const outputs: string[] = config.config.output_layers.map((o: [string]) => o[0]);
  const g = new OnnxGraph();
  const nodes = g.nodes;
  let params = 0;
  let scale = 1;
  const pixelUnit = layers.some((l) => l.class_name === 'MultiplyBeta' || /^PixelShuffle\d+x$/.test(l.class_name));
  const inputRange: [number, number] = pixelUnit ? [0, 1] : [0, 255];
  const tensorOf = new Map<string, string>();
  const consumers = new Map<string, KerasLayer[]>();
  for (const l of layers) for (const [src] of l.inbound_nodes[0] ?? []) consumers.set(src, [...(consumers.get(src) ?? []), l]);
  // A linear conv read only by MultiplyBeta takes beta into its weights: 30 fewer full-size Muls in thick.
  const betaOf = (l: KerasLayer): number | undefined => {
    const users = consumers.get(l.name) ?? [];
    return users.length === 1 && users[0].class_name === 'MultiplyBeta' && (l.config.activation ?? 'linear') === 'linear'
      ? (users[0].config.beta ?? 0.2)
      : undefined;
  };
  const folded = new Set<string>();
  // Concatenations feeding convolutions are never materialised: a conv over [a|b|c] is the sum of
  // convs over a, b and c with the kernel split by input channel. Same FLOPs, but onnxruntime keeps
  // its blocked (NCHWc) layout throughout instead of reordering around every Concat.
  const channels = new Map<string, number>([['input', 3]]);
  const partsOf = new Map<string, { tensor: string; channels: number }[]>();
  const constant = (name: string, dims: number[], data: Float32Array | number[]) => g.constant(name, dims, data);
  const { int: attrInt, ints: attrInts, str: attrStr } = attr;
  const inputsOf = (l: KerasLayer) => {
    if (l.inbound_nodes.length !== 1) throw new UnsupportedLayerError(`layer ${l.name} is shared; not supported`);
    return l.inbound_nodes[0].map(([name, nodeIndex, tensorIndex]) => {
      if (nodeIndex !== 0 || tensorIndex !== 0) throw new UnsupportedLayerError(`layer ${l.name}: multi-output inputs are not supported`);
      const t = tensorOf.get(name);
      if (!t) throw new UnsupportedLayerError(`layer ${l.name} uses ${name} before it is defined`);
      return t;
    });
  };

  for (const l of layers) {
    const c = l.config;
    switch (l.class_name) {
      case 'InputLayer': {
        if (pixelUnit) {
          nodes.push({ opType: 'Mul', input: ['input', constant('input_scale', [], [1 / 255])], output: [l.name], name: `${l.name}_to_unit` });
          tensorOf.set(l.name, l.name);
          channels.set(l.name, 3);
        } else tensorOf.set(l.name, 'input');
        break;
      }
      case 'Conv2D': {
        const [x] = inputsOf(l);
        if (c.data_format !== 'channels_last') throw new UnsupportedLayerError(`${l.name}: data_format ${c.data_format}`);
        if (c.strides.some((s: number) => s !== 1) || c.dilation_rate.some((d: number) => d !== 1) || (c.groups ?? 1) !== 1) {
          throw new UnsupportedLayerError(`${l.name}: only stride 1, dilation 1, groups 1 convolutions are supported`);
        }
        const kernel = weights.get(`${l.name}/kernel`);
        if (!kernel) throw new UnsupportedLayerError(`${l.name}: kernel weights missing`);
        const [kh, kw, cin, cout] = kernel.shape;
        // HWIO → OIHW
        const oihw = new Float32Array(kernel.data.length);
        for (let h = 0; h < kh; h++)
          for (let w = 0; w < kw; w++)
            for (let i = 0; i < cin; i++)
              for (let o = 0; o < cout; o++) oihw[((o * cin + i) * kh + h) * kw + w] = kernel.data[((h * kw + w) * cin + i) * cout + o];
        const beta = betaOf(l);
        if (beta !== undefined) {
          for (let i = 0; i < oihw.length; i++) oihw[i] *= beta;
          folded.add(consumers.get(l.name)![0].name);
        }
        let bias: Float32Array | undefined;
        if (c.use_bias) {
          const b = weights.get(`${l.name}/bias`);
          if (!b) throw new UnsupportedLayerError(`${l.name}: bias weights missing`);
          bias = beta === undefined ? b.data : b.data.map((v) => v * beta);
          params += bias.length;
        }
        params += oihw.length;
        let pads: number[];
        if (c.padding === 'same') {
          if (kh % 2 === 0 || kw % 2 === 0) throw new UnsupportedLayerError(`${l.name}: even 'same' kernels are not supported`);
          pads = [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2];
        } else if (c.padding === 'valid') pads = [0, 0, 0, 0];
        else throw new UnsupportedLayerError(`${l.name}: padding ${c.padding}`);
        const activation = c.activation ?? 'linear';
        if (activation !== 'linear' && activation !== 'relu') throw new UnsupportedLayerError(`${l.name}: activation ${activation}`);
        const convOut = activation === 'linear' ? l.name : `${l.name}_preact`;
        const attrs = [attrInts('kernel_shape', [kh, kw]), attrInts('pads', pads)];
        const parts = (splitConcat && partsOf.get(l.inbound_nodes[0][0][0])) || [{ tensor: x, channels: cin }];
        if (parts.reduce((a, p) => a + p.channels, 0) !== cin) throw new UnsupportedLayerError(`${l.name}: input channels do not add up`);
        let acc: string | undefined;
        let from = 0;
        parts.forEach((part, k) => {
          const w = oihw.length === cout * part.channels * kh * kw ? oihw : sliceInputChannels(oihw, cout, cin, kh * kw, from, part.channels);
          from += part.channels;
          const inputs = [part.tensor, constant(`${l.name}_W${k}`, [cout, part.channels, kh, kw], w)];
          if (k === 0 && bias) inputs.push(constant(`${l.name}_B`, [cout], bias));
          const last = k === parts.length - 1;
          const partOut = parts.length === 1 ? convOut : `${l.name}_part${k}`;
          nodes.push({ opType: 'Conv', input: inputs, output: [partOut], name: `${l.name}_conv${k}`, attribute: attrs });
          if (acc === undefined) acc = partOut;
          else {
            const sum = last ? convOut : `${l.name}_sum${k}`;
            nodes.push({ opType: 'Add', input: [acc, partOut], output: [sum], name: `${l.name}_add${k}` });
            acc = sum;
          }
        });
        channels.set(l.name, cout);
        if (activation === 'relu') nodes.push({ opType: 'Relu', input: [convOut], output: [l.name], name: `${l.name}_relu` });
        tensorOf.set(l.name, l.name);
        break;
      }
      case 'Activation': {
        const [x] = inputsOf(l);
        channels.set(l.name, channels.get(x) ?? NaN);
        if (c.activation === 'relu') nodes.push({ opType: 'Relu', input: [x], output: [l.name], name: l.name });
        else if (c.activation === 'linear') nodes.push({ opType: 'Identity', input: [x], output: [l.name], name: l.name });
        else throw new UnsupportedLayerError(`${l.name}: activation ${c.activation}`);
        tensorOf.set(l.name, l.name);
        break;
      }
      case 'Concatenate': {
        if (c.axis !== -1 && c.axis !== 3) throw new UnsupportedLayerError(`${l.name}: concatenation on axis ${c.axis}`);
        const xs = inputsOf(l);
        const srcs = l.inbound_nodes[0].map(([name]) => name);
        const parts = srcs.flatMap((src, i) => partsOf.get(src) ?? [{ tensor: xs[i], channels: channels.get(xs[i]) ?? NaN }]);
        if (parts.some((p) => Number.isNaN(p.channels))) throw new UnsupportedLayerError(`${l.name}: unknown channel count of an input`);
        partsOf.set(l.name, parts);
        channels.set(l.name, parts.reduce((a, p) => a + p.channels, 0));
        tensorOf.set(l.name, l.name);
        const needed =
          !splitConcat || (consumers.get(l.name) ?? []).some((u) => u.class_name !== 'Conv2D' && u.class_name !== 'Concatenate') || outputs.includes(l.name);
        if (needed) nodes.push({ opType: 'Concat', input: parts.map((p) => p.tensor), output: [l.name], name: l.name, attribute: [attrInt('axis', 1)] });
        break;
      }
      case 'Add': {
        const xs = inputsOf(l);
        channels.set(l.name, channels.get(xs[0]) ?? NaN);
        nodes.push({ opType: xs.length === 2 ? 'Add' : 'Sum', input: xs, output: [l.name], name: l.name });
        tensorOf.set(l.name, l.name);
        break;
      }
      case 'MultiplyBeta': {
        const [x] = inputsOf(l);
        channels.set(l.name, channels.get(x) ?? NaN);
        if (folded.has(l.name)) {
          tensorOf.set(l.name, x);
          break;
        }
        nodes.push({ opType: 'Mul', input: [x, constant(`${l.name}_beta`, [], [c.beta ?? 0.2])], output: [l.name], name: l.name });
        tensorOf.set(l.name, l.name);
        break;
      }
      case 'UpSampling2D': {
        const [x] = inputsOf(l);
        const [sh, sw] = c.size;
        if (c.interpolation !== 'nearest') throw new UnsupportedLayerError(`${l.name}: ${c.interpolation} upsampling`);
        scale *= sh;
        channels.set(l.name, channels.get(x) ?? NaN);
        nodes.push({
          opType: 'Resize',
          input: [x, '', constant(`${l.name}_scales`, [4], [1, 1, sh, sw])],
          output: [l.name],
          name: l.name,
          attribute: [attrStr('mode', 'nearest'), attrStr('coordinate_transformation_mode', 'asymmetric'), attrStr('nearest_mode', 'floor')],
        });
        tensorOf.set(l.name, l.name);
        break;
      }
      default: {
        const shuffle = /^PixelShuffle(\d+)x$/.exec(l.class_name);
        if (!shuffle) throw new UnsupportedLayerError(`layer ${l.name} of type ${l.class_name} is not supported by the converter`);
        const [x] = inputsOf(l);
        const block = Number(c.scale ?? shuffle[1]);
        scale *= block;
        channels.set(l.name, (channels.get(x) ?? NaN) / (block * block));
        // TF depth_to_space (NHWC) orders channels as (row, col, colour): ONNX DepthToSpace mode DCR.
        nodes.push({ opType: 'DepthToSpace', input: [x], output: [l.name], name: l.name, attribute: [attrInt('blocksize', block), attrStr('mode', 'DCR')] });
        tensorOf.set(l.name, l.name);
      }
    }
  }
  if (outputs.length !== 1) throw new UnsupportedLayerError('only single-output models are supported');
  const last = tensorOf.get(outputs[0])!;
  nodes.push(
    pixelUnit
      ? { opType: 'Mul', input: [last, constant('output_scale', [], [255])], output: ['output'], name: 'to_pixels' }
      : { opType: 'Identity', input: [last], output: ['output'], name: 'output_identity' },
  );

  const bytes = g.encode({ name: 'esrgan', docString: `Converted from ${modelJsonPath.split(/[\\/]/).slice(-4).join('/')}` });
  return { onnx: bytes, scale, inputRange, layers: layers.length, params };
}

/** OIHW kernel restricted to input channels [from, from + n). */
function sliceInputChannels(oihw: Float32Array, cout: number, cin: number, hw: number, from: number, n: number): Float32Array {
  const out = new Float32Array(cout * n * hw);
  for (let o = 0; o < cout; o++) out.set(oihw.subarray((o * cin + from) * hw, (o * cin + from + n) * hw), o * n * hw);
  return out;
}
