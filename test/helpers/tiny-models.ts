import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A real, tiny x2 ncnn model written by the test: a 1×1 convolution 3→12 that copies each input channel
 * into its four sub-pixels, then PixelShuffle 2 — nearest-neighbour x2, in the file format Upscayl uses.
 * Returns the path of the .param (the .bin is beside it).
 */
export async function writeTinyNcnn(dir: string, name: string): Promise<string> {
  const param = ['7767517', '3 3', 'Input in 0 1 data', 'Convolution conv 1 1 data c 0=12 1=1 5=1 6=36', 'PixelShuffle ps 1 1 c out 0=2', ''].join('\n');
  const weights = Array.from({ length: 36 }, (_, k) => (k % 3 === Math.floor(Math.floor(k / 3) / 4) ? 1 : 0));
  const bin = Buffer.alloc(4 + 36 * 4 + 12 * 4); // fp32 tag 0, weights, then raw biases (0)
  weights.forEach((v, i) => bin.writeFloatLE(v, 4 + i * 4));
  await writeFile(join(dir, `${name}.param`), param);
  await writeFile(join(dir, `${name}.bin`), bin);
  return join(dir, `${name}.param`);
}

/** A safetensors file of float32 tensors, as torch's safetensors writer lays it out. */
export async function writeSafetensors(path: string, tensors: Record<string, { shape: number[]; data: Float32Array }>): Promise<void> {
  const header: Record<string, { dtype: 'F32'; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([size, json, ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]));
}

/**
 * A real x2 Compact (SRVGGNetCompact: conv, PReLU, conv, PReLU, conv, pixel shuffle, plus the nearest-
 * upsampled input) that upscales bilinearly: three channels carry R, G and B (0–1) through two identity
 * layers, and the last conv adds bilinear's offsets from nearest. A fourth channel is dead weight the way
 * trained nets sometimes have one: a constant `outlier` that nothing reads. In float it changes nothing; in
 * int8 every layer's one u8 range must span 0..outlier, so the colours it carries lose their levels.
 */
export async function writeOutlierCompact(path: string, outlier = 1000): Promise<void> {
  const nf = 4;
  const conv = (cout: number, cin: number, f: (o: number, i: number, y: number, x: number) => number) => {
    const data = new Float32Array(cout * cin * 9);
    for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) data[((o * cin + i) * 3 + y) * 3 + x] = f(o, i, y, x);
    return { shape: [cout, cin, 3, 3], data };
  };
  const identity = (o: number, i: number, y: number, x: number) => (o === i && y === 1 && x === 1 ? 1 : 0);
  // bilinear x2 (align_corners=False): sub-pixel 0 takes ¼ of the previous pixel and ¾ of its own, 1 ¾ and ¼ of the next
  const w = [
    [0.25, 0.75, 0],
    [0, 0.75, 0.25],
  ];
  // pixel shuffle (CRD): output channel c·4 + i·2 + j is colour c at sub-pixel (i, j)
  const last = conv(12, nf, (o, i, y, x) => (Math.floor(o / 4) === i && i < 3 ? w[(o >> 1) & 1][y] * w[o & 1][x] - (y === 1 && x === 1 ? 1 : 0) : 0));
  await writeSafetensors(path, {
    'body.0.weight': conv(nf, 3, identity),
    'body.0.bias': { shape: [nf], data: Float32Array.of(0, 0, 0, outlier) },
    'body.1.weight': { shape: [nf], data: new Float32Array(nf).fill(1) },
    'body.2.weight': conv(nf, nf, identity),
    'body.2.bias': { shape: [nf], data: new Float32Array(nf) },
    'body.3.weight': { shape: [nf], data: new Float32Array(nf).fill(1) },
    'body.4.weight': last,
    'body.4.bias': { shape: [12], data: new Float32Array(12) },
  });
}
