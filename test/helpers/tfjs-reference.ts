/**
 * The reference implementation the ONNX graphs are checked against: the same @upscalerjs Keras models
 * run by TF.js (wasm backend), with the custom layers registered the way the packages' own setup does.
 * Dev-only: the app never loads TF.js.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import type { RawImage } from '../../main/core/image/raw.js';

const require = createRequire(import.meta.url);
let ready: Promise<void> | undefined;

export function tfReady(): Promise<void> {
  ready ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
    await tf.setBackend('wasm');
    await tf.ready();
    registerCustomLayers();
  })();
  return ready;
}

function registerCustomLayers(): void {
  class MultiplyBeta extends tfl.layers.Layer {
    static className = 'MultiplyBeta';
    beta: number;
    constructor(config: { beta?: number }) {
      super(config as never);
      this.beta = config.beta ?? 0.2;
    }
    override call(inputs: tf.Tensor | tf.Tensor[]) {
      return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.beta);
    }
  }
  tf.serialization.registerClass(MultiplyBeta as never);
  for (const scale of [2, 3, 4, 8]) {
    const Shuffle = class extends tfl.layers.Layer {
      static className = `PixelShuffle${scale}x`;
      override computeOutputShape(s: number[]) {
        return [s[0], s[1], s[2], 3];
      }
      override call(inputs: tf.Tensor | tf.Tensor[]) {
        return tf.depthToSpace((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D, scale, 'NHWC');
      }
    };
    tf.serialization.registerClass(Shuffle as never);
  }
}

export async function loadTfjsModel(modelJson: string): Promise<tfl.LayersModel> {
  await tfReady();
  const model = JSON.parse(await readFile(modelJson, 'utf8'));
  const specs = model.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const shards: Buffer[] = [];
  for (const g of model.weightsManifest as { paths: string[] }[]) for (const p of g.paths) shards.push(await readFile(join(dirname(modelJson), p)));
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: specs, weightData }));
}

/** RGB in, RGB out (0–255, rounded like the ONNX path), using the model's own input range. */
export function tfjsUpscale(model: tfl.LayersModel, img: RawImage, unitRange: boolean): RawImage {
  return tf.tidy(() => {
    let x = tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3]);
    if (unitRange) x = tf.div(x, 255);
    let y = model.predict(x) as tf.Tensor4D;
    if (unitRange) y = tf.mul(y, 255);
    const [, h, w] = y.shape;
    const data = tf.round(tf.clipByValue(y, 0, 255)).dataSync();
    return { data: Buffer.from(Uint8Array.from(data)), width: w, height: h, channels: 3 };
  });
}
