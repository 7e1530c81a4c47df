import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { psnr } from '../main/core/metrics/psnr.js';
import type { RawImage } from '../main/core/image/raw.js';
import { sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { convertOnnxFile } from '../main/core/models/import/onnx-file.js';
import { importModelFile } from '../main/core/models/import/import-model.js';
import { onnxModelPath } from '../main/core/models/model-files.js';
import { expectImportError } from './helpers/import-errors.js';
import { fixture, readRgb } from './helpers/images.js';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

// A small SRVGGNetCompact x2 exported by torch.onnx.export with input `lr_image`, output `sr`, free H and W
// (scripts/reference/make-ncnn-fixtures.py), and the torch output for a photo crop.
const dynamicModel = new Uint8Array(readFileSync(fixture('onnx-import', 'compact-x2-lr_image.onnx')));
const staticModel = new Uint8Array(readFileSync(fixture('onnx-import', 'compact-x2-static.onnx')));

/** Decodes, lets `edit` change the graph, encodes: the odd models users bring, made from the exported one. */
function variant(edit: (g: any, m: any) => void, bytes = dynamicModel): Uint8Array {
  const m: any = onnx.ModelProto.decode(bytes);
  edit(m.graph, m);
  return onnx.ModelProto.encode(m).finish();
}
const tensorType = (elemType: number, dims: (number | string)[]) => ({
  tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } },
});

/** Puts nodes before the model's input and after its output, giving the graph a new input and output. */
function around(inType: any, outType: any, before: any[], after: any[]) {
  return variant((g) => {
    g.node = [...before, ...g.node, ...after];
    g.input = [{ name: 'x_outer', type: inType }];
    g.output = [{ name: 'y_outer', type: outType }];
  });
}

/** A hand-made graph: `x` [n,3,h,w] float → nodes → `y`, opset 13. */
function tiny(nodes: any[], inits: any[] = []): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: nodes,
      initializer: inits,
      input: [{ name: 'x', type: tensorType(T.FLOAT, ['n', 3, 'h', 'w']) }],
      output: [{ name: 'y', type: tensorType(T.FLOAT, ['n', 3, 'h2', 'w2']) }],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}
const floats = (name: string, dims: number[], v: number[]) => ({ name, dims, dataType: T.FLOAT, rawData: new Uint8Array(Float32Array.from(v).buffer) });

/** float32 → IEEE half, round to nearest (tiny values flush to zero: fine for weights). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  const half = sign | (exp << 10) | ((u >>> 13) & 0x3ff);
  return half + ((u >>> 12) & 1); // carry into the exponent is the right rounding too
}

/** The exported model converted to float16 throughout, as chaiNNer's "fp16" ONNX export makes them. */
function allHalf(): Uint8Array {
  return variant((g) => {
    for (const t of g.initializer) {
      if (t.dataType !== T.FLOAT) continue;
      const f = new Float32Array(t.rawData.slice().buffer);
      t.rawData = new Uint8Array(Uint16Array.from(f, toHalf).buffer);
      t.dataType = T.FLOAT16;
    }
    g.input[0].type.tensorType.elemType = T.FLOAT16;
    g.output[0].type.tensorType.elemType = T.FLOAT16;
  });
}

async function upscaleWith(bytes: Uint8Array, img: RawImage, scale: number) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return await upscaleTiled(sessionRunner(session), img, { scale, tileSize: 1024, overlap: 0 });
  } finally {
    await session.release();
  }
}

describe('a user ONNX file, wrapped to the runner contract, matches torch', async () => {
  const input = await readRgb(fixture('onnx-import', 'input-chelsea.png'));
  const expected = await readRgb(fixture('onnx-import', 'expected-compact-x2.png'));
  const nhwc = tensorType(T.FLOAT, ['n', 'h', 'w', 3]);
  const cases: [string, Uint8Array, Record<string, string | number>][] = [
    ['odd input name, free size', dynamicModel, { inputName: 'lr_image', outputName: 'sr', layout: 'NCHW', precision: 'float32', inputRange: '0..1' }],
    ['size fixed at export (40×48)', staticModel, { inputName: 'image', outputName: 'upscaled' }],
    [
      'float16 input and output',
      around(tensorType(T.FLOAT16, ['n', 3, 'h', 'w']), tensorType(T.FLOAT16, ['n', 3, 'h2', 'w2']), [
        { opType: 'Cast', input: ['x_outer'], output: ['lr_image'], attribute: [{ name: 'to', type: 2, i: T.FLOAT }] },
      ], [{ opType: 'Cast', input: ['sr'], output: ['y_outer'], attribute: [{ name: 'to', type: 2, i: T.FLOAT16 }] }]),
      { precision: 'float16' },
    ],
    ['float16 throughout (weights, activations, I/O)', allHalf(), { precision: 'float16' }],
    [
      'NHWC',
      around(nhwc, tensorType(T.FLOAT, ['n', 'h2', 'w2', 3]), [
        { opType: 'Transpose', input: ['x_outer'], output: ['lr_image'], attribute: [{ name: 'perm', type: 7, ints: [0, 3, 1, 2] }] },
      ], [{ opType: 'Transpose', input: ['sr'], output: ['y_outer'], attribute: [{ name: 'perm', type: 7, ints: [0, 2, 3, 1] }] }]),
      { layout: 'NHWC' },
    ],
    [
      'I/O named input/output',
      variant((g) => {
        g.node = [{ opType: 'Identity', input: ['input'], output: ['lr_image'] }, ...g.node, { opType: 'Identity', input: ['sr'], output: ['output'] }];
        g.input = [{ name: 'input', type: tensorType(T.FLOAT, ['n', 3, 'h', 'w']) }];
        g.output = [{ name: 'output', type: tensorType(T.FLOAT, ['n', 3, 'h2', 'w2']) }];
      }),
      { inputName: 'input', outputName: 'output' },
    ],
  ];
  it.each(cases)('%s', async (_name, bytes, details) => {
    const c = convertOnnxFile(bytes);
    expect(c.descriptor).toMatchObject({ architecture: 'ONNX', scale: 2, inChannels: 3, outChannels: 3, sourceFormat: 'onnx', sizeMultiple: 1, details });
    expect(c.descriptor.params).toBeGreaterThan(8000);
    const ours = await upscaleWith(c.onnx, input, c.descriptor.scale);
    expect([ours.width, ours.height]).toEqual([expected.width, expected.height]);
    expect(psnr(ours, expected)).toBeGreaterThanOrEqual(45);
  });
});

describe('an ONNX file that takes 0–255 (--input-range 0-255)', async () => {
  // Our own thick x2 graph is such a file: it takes and gives pixels in 0..255.
  const thick = new Uint8Array(readFileSync(onnxModelPath('thick', 2)));
  const input = await readRgb(fixture('onnx-import', 'input-chelsea.png'));
  const original = await upscaleWith(thick, input, 2);

  it('imported as 0-255, it gives what the original graph gives', async () => {
    const c = convertOnnxFile(thick, '0-255');
    expect(c.descriptor).toMatchObject({ scale: 2, details: { inputRange: '0..255' } });
    const ours = await upscaleWith(c.onnx, input, 2);
    expect(psnr(ours, original)).toBeGreaterThanOrEqual(60);
  });

  it('imported with the default 0-1, the same file gives a wrong picture (the option matters)', async () => {
    const c = convertOnnxFile(thick);
    expect(c.descriptor.details.inputRange).toBe('0..1');
    expect(psnr(await upscaleWith(c.onnx, input, 2), original)).toBeLessThan(25);
  });

  it('importModelFile passes the range through, and refuses it for formats whose range is known', async () => {
    const imported = await importModelFile(onnxModelPath('thick', 2), { inputRange: '0-255' });
    expect(imported.descriptor.details.inputRange).toBe('0..255');
    await expect(importModelFile(fixture('models', 'span-x2.safetensors'), { inputRange: '0-255' })).rejects.toThrow(
      /^--input-range is for ONNX files only: span-x2\.safetensors is a safetensors file, whose pixel range Upscale Bench knows$/,
    );
  });
});

describe('what the file does not declare is measured', () => {
  it('pads inside the graph for a model that needs even sizes (pixel-unshuffle style) and crops back; tiles start on even pixels', async () => {
    // space-to-depth 2 then depth-to-space 2 is the identity, on even sizes only; then nearest x2
    const bytes = tiny([
      { opType: 'SpaceToDepth', input: ['x'], output: ['s2d'], attribute: [{ name: 'blocksize', type: 2, i: 2 }] },
      { opType: 'DepthToSpace', input: ['s2d'], output: ['d2s'], attribute: [{ name: 'blocksize', type: 2, i: 2 }, { name: 'mode', type: 3, s: new TextEncoder().encode('DCR') }] },
      { opType: 'Resize', input: ['d2s', '', 'scales'], output: ['y'], attribute: [{ name: 'mode', type: 3, s: new TextEncoder().encode('nearest') }] },
    ], [floats('scales', [4], [1, 1, 2, 2])]);
    const c = convertOnnxFile(bytes);
    expect(c.descriptor).toMatchObject({ scale: 2, sizeMultiple: 2, details: { padsToMultipleOf: 2, opset: 13 } });
    const [h, w] = [5, 7];
    const x = Float32Array.from({ length: 3 * h * w }, (_, i) => (i * 53) % 256);
    const s = await ort.InferenceSession.create(c.onnx);
    const y = (await s.run({ input: new ort.Tensor('float32', x, [1, 3, h, w]) })).output as ort.Tensor;
    await s.release();
    expect(y.dims).toEqual([1, 3, 2 * h, 2 * w]);
    const data = y.data as Float32Array;
    for (let ch = 0; ch < 3; ch++)
      for (let yy = 0; yy < 2 * h; yy++)
        for (let xx = 0; xx < 2 * w; xx++) expect(data[(ch * 2 * h + yy) * 2 * w + xx]).toBeCloseTo(x[(ch * h + (yy >> 1)) * w + (xx >> 1)], 3);
  });
});

describe('ONNX files it cannot take are refused in one line', () => {
  const refusals: [string, () => Uint8Array, string, RegExp][] = [
    ['random bytes', () => new Uint8Array(Buffer.from('this is a text file, not a model at all')), 'ERROR_NOT_A_MODEL', /not an ONNX model/],
    ['a protobuf with no graph', () => new Uint8Array([0x08, 0x07]), 'ERROR_NOT_A_MODEL', /not an ONNX model: the file has no graph/],
    [
      'NHWC uint8 input',
      () => variant((g) => (g.input[0].type = tensorType(T.UINT8, [1, 'h', 'w', 3]))),
      'ERROR_MODEL_UNSUPPORTED_LAYER',
      /the model's input "lr_image" is NHWC uint8; Upscale Bench takes NCHW or NHWC float32\/float16 images/,
    ],
    ['grey input', () => variant((g) => (g.input[0].type = tensorType(T.FLOAT, ['n', 1, 'h', 'w']))), 'ERROR_MODEL_UNSUPPORTED_LAYER', /has 1 channels .*runs RGB \(3-channel\) models/],
    ['3-d input', () => variant((g) => (g.input[0].type = tensorType(T.FLOAT, [3, 'h', 'w']))), 'ERROR_MODEL_UNSUPPORTED_LAYER', /has 3 dimensions \[3, h, w\]/],
    [
      'two inputs',
      () => variant((g) => g.input.push({ name: 'strength', type: tensorType(T.FLOAT, [1]) })),
      'ERROR_MODEL_UNSUPPORTED_LAYER',
      /has 2 inputs \(lr_image, strength\); Upscale Bench takes models with one image input/,
    ],
    [
      'an operator onnxruntime does not know',
      () => variant((g) => (g.node.find((n: any) => n.opType === 'PRelu').opType = 'FancyUpscaleOp')),
      'ERROR_MODEL_UNSUPPORTED_LAYER',
      /onnxruntime cannot load the model: .*FancyUpscaleOp/,
    ],
    [
      'weights in an external file',
      () =>
        variant((g) => {
          const t = g.initializer[0];
          t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
          t.externalData = [{ key: 'location', value: 'weights.bin' }];
          t.rawData = new Uint8Array(0);
        }),
      'ERROR_MODEL_UNSUPPORTED_LAYER',
      /keeps its weights in a separate file \(ONNX external data\)/,
    ],
    ['an ancient opset', () => variant((_g, m) => (m.opsetImport = [{ domain: '', version: 6 }])), 'ERROR_MODEL_UNSUPPORTED_LAYER', /uses ONNX opset 6; Upscale Bench takes opset 7 or later/],
    [
      'a model that shrinks',
      () => tiny([{ opType: 'AveragePool', input: ['x'], output: ['y'], attribute: [{ name: 'kernel_shape', type: 7, ints: [2, 2] }, { name: 'strides', type: 7, ints: [2, 2] }] }]),
      'ERROR_MODEL_UNSUPPORTED_LAYER',
      /the model turns 32×48 into 16×24, not a whole-number enlargement/,
    ],
    [
      'a model that only takes one size',
      () => tiny([{ opType: 'Reshape', input: ['x', 'shape'], output: ['y'] }], [{ name: 'shape', dims: [4], dataType: T.INT64, int64Data: [1, 3, 40, 48] }]),
      'ERROR_MODEL_UNSUPPORTED_LAYER',
      /the model does not run on a 32×48 RGB image: .*[Rr]eshape/,
    ],
  ];
  it.each(refusals)('%s', (_name, make, code, re) => expectImportError(() => convertOnnxFile(make()), code, re));
});
