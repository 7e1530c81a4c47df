import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RawImage } from '../main/core/image/raw.js';
import { planarWindow } from '../main/core/inference/onnx-runner.js';
import { calibrateRanges } from '../main/core/models/calibrate.js';
import { convertStateDict } from '../main/core/models/import/convert-state-dict.js';
import { readPthWithFormat } from '../main/core/models/import/readers/pth.js';
import { equalizeChannels } from '../main/core/models/int8/equalize.js';
import { Int8Refused, prepareForInt8 } from '../main/core/models/int8/int8-support.js';
import { mergeConvParts } from '../main/core/models/int8/merge-conv-parts.js';
import { int8WeightBits } from '../main/core/models/int8/weight-bits.js';
import { fixture, readRgb } from './helpers/images.js';

const { onnx } = onnxProto;
const convert = (file: string) => {
  const { sd, format } = readPthWithFormat(new Uint8Array(readFileSync(fixture('models', file))));
  return convertStateDict(sd, format).onnx;
};
const opCounts = (bytes: Uint8Array) => {
  const c: Record<string, number> = {};
  for (const n of onnx.ModelProto.decode(bytes).graph!.node!) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
  return c;
};
const forward = async (bytes: Uint8Array, img: RawImage) => {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return (await s.run({ input: new ort.Tensor('float32', planarWindow(img), [1, 3, img.height, img.width]) })).output.data as Float32Array;
  } finally {
    await s.release();
  }
};
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

let photo: RawImage;
beforeAll(async () => {
  photo = await readRgb(fixture('models', 'input-chelsea-48x40.png'));
});

describe('preparing imported graphs for int8', () => {
  it('merges an ESRGAN dense block’s sums of convolutions back into Concat + Conv, with the same float output', async () => {
    const float = convert('rrdb-realesrgan-x4.pth');
    const { bytes, merged } = mergeConvParts(float);
    const [before, after] = [opCounts(float), opCounts(bytes)];
    // 2 blocks × 3 dense blocks × convs 2–5
    expect(merged).toBe(24);
    expect(after.Concat).toBe(24);
    // conv k of a dense block was k − 1 partial convs and k − 2 additions: 1 + 2 + 3 + 4 of each gone per block
    expect(before.Conv - after.Conv).toBe(6 * 10);
    expect(before.Add - after.Add).toBe(6 * 10);
    // pixel values of 0–255: float sums in another order differ in the last bits only
    expect(maxDiff(await forward(float, photo), await forward(bytes, photo))).toBeLessThan(1e-3);
  });

  it('equalizes channels through PReLU without changing the float output, and gives each channel the widest one’s range', async () => {
    const float = convert('compact-x4-fp16.pth');
    const ranges = await calibrateRanges(float, [photo], 1);
    const { bytes, ranges: equalized, chains } = equalizeChannels(float, ranges);
    // body.0 → body.2 → … : every conv but the last feeds the next through a PReLU
    expect(chains).toBe(opCounts(float).Conv - 1);
    expect(maxDiff(await forward(float, photo), await forward(bytes, photo))).toBeLessThan(1e-2);
    // a channel's reach along the chain: the conv's output and the PReLU's, which share one scaling
    const reach = (r: typeof ranges, t: string) => Array.from(r.get(t)!.channels!.min, (v, k) => Math.max(Math.abs(v), Math.abs(r.get(t)!.channels!.max[k])));
    const along = (r: typeof ranges) => reach(r, 'body.0').map((v, k) => Math.max(v, reach(r, 'body.1')[k]));
    const [was, now] = [along(ranges), along(equalized)];
    // before: channels span very different ranges; after: each the widest one's, up to the 16× cap
    expect(Math.min(...was) / Math.max(...was)).toBeLessThan(0.5);
    for (const [k, r] of now.entries()) expect(r).toBeCloseTo(Math.min(Math.max(...was), 16 * was[k]), 3);
    // and the per-tensor ranges recorded are those of the equalized graph
    for (const t of ['body.0', 'body.1']) expect(equalized.get(t)!.max).toBeCloseTo(Math.max(...equalized.get(t)!.channels!.max), 5);
  });

  it('reduces ranges per channel inside the graph, consistent with the per-tensor range', async () => {
    const float = convert('compact-x4-fp16.pth');
    const ranges = await calibrateRanges(float, [photo], 1);
    const conv = ranges.get('body.0')!;
    expect(conv.channels!.min.length).toBe(16);
    expect(conv.min).toBe(Math.min(...conv.channels!.min));
    expect(conv.max).toBe(Math.max(...conv.channels!.max));
    // the graph output itself is not calibrated; the int8 build keeps it float
    expect(ranges.has('output')).toBe(false);
  });

  it('keeps the convolution that writes the picture float, and refuses what it cannot quantize with a reason', () => {
    const prepared = prepareForInt8(convert('rrdb-realesrgan-x4.pth'), 'ESRGAN');
    expect([...prepared.floatConvs]).toEqual(['conv_last']);
    expect(() => prepareForInt8(convert('swinir-x4-direct.pth'), 'SwinIR')).toThrow(Int8Refused);
    expect(() => prepareForInt8(convert('swinir-x4-direct.pth'), 'SwinIR')).toThrow(/^int8 is not offered for SwinIR: most of its work is attention \(/);
    const old = onnx.ModelProto.decode(convert('compact-x4-fp16.pth'));
    old.opsetImport = [{ domain: '', version: 11 }];
    expect(() => prepareForInt8(onnx.ModelProto.encode(old).finish(), 'ONNX')).toThrow('int8 needs ONNX opset 13 or later (per-channel weights); this ONNX graph is opset 11');
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')('uses 8-bit weights exactly where this CPU’s int8 kernels sum without saturating (VNNI)', async () => {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    const vnni = /\b(avx512_vnni|avx_vnni)\b/.test(flags);
    expect(await int8WeightBits()).toBe(vnni ? 8 : 7);
  });
});
