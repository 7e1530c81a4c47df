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
