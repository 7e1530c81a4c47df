/**
 * Reads an ncnn `.bin`: the weights of the layers in .param order, each blob 4-byte aligned (ncnn
 * src/modelbin.cpp). A blob a layer loads "with a type flag" starts with a 4-byte tag: 0 fp32, 0x01306B47 fp16,
 * 0x0002C056 fp32 (scaled variant), 0x000D4B38 int8 (refused); biases and PReLU slopes are raw fp32, no tag.
 * Which blobs a layer has is the layer's business (to-onnx passes it in); this file knows only the format.
 */
import { ModelImportError } from '../state-dict.js';
import { describeLayer, type NcnnLayer } from './param.js';

export interface WeightBlob {
  /** For messages: 'weights', 'bias', 'slopes', … */
  what: string;
  count: number;
  /** Loaded with a type tag (ncnn ModelBin::load(w, 0)); else raw fp32 (load(w, 1)). */
  tagged: boolean;
}

const TAG_FP32 = 0;
const TAG_FP16 = 0x01306b47;
const TAG_FP32_SCALED = 0x0002c056;
const TAG_INT8 = 0x000d4b38;

const align4 = (n: number) => (n + 3) & ~3;

let halfTable: Float32Array | undefined;
/** IEEE half → float for every bit pattern, built once. */
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return (halfTable = t);
}

/**
 * The layers' blobs in file order, keyed by layer name. Every byte must be accounted for: a .bin that is
 * short, has bytes left over, or has a blob whose tag makes no sense does not belong to this .param.
 */
export function readNcnnBin(layers: NcnnLayer[], bin: Uint8Array, blobsOf: (l: NcnnLayer) => WeightBlob[]): Map<string, Float32Array[]> {
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const out = new Map<string, Float32Array[]>();
  let offset = 0;
  let previous: { layer: NcnnLayer; blob: WeightBlob } | undefined;
  const need = (layer: NcnnLayer, blob: WeightBlob, bytes: number) => {
    if (offset + bytes > bin.byteLength) {
      throw new ModelImportError(
        'ERROR_MODEL_CORRUPT',
        `ncnn .bin ends at byte ${bin.byteLength}, inside the ${blob.what} of ${describeLayer(layer)} (${bytes} bytes from byte ${offset}): the file is truncated or is not this .param's weights`,
      );
    }
  };
  const rawFloats = (count: number) => {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
    offset += count * 4;
    return data;
  };
  for (const layer of layers) {
    const blobs = blobsOf(layer);
    if (blobs.length === 0) continue;
    const loaded: Float32Array[] = [];
    for (const blob of blobs) {
      if (!Number.isInteger(blob.count) || blob.count < 0) {
        throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(layer)}: ${blob.what} size ${blob.count} is not valid`);
      }
      let data: Float32Array;
      if (!blob.tagged) {
        need(layer, blob, blob.count * 4);
        data = rawFloats(blob.count);
      } else {
        need(layer, blob, 4);
        const tag = view.getUint32(offset, true);
        if (tag === TAG_FP32 || tag === TAG_FP32_SCALED) {
          need(layer, blob, 4 + blob.count * 4);
          offset += 4;
          data = rawFloats(blob.count);
        } else if (tag === TAG_FP16) {
          need(layer, blob, 4 + align4(blob.count * 2));
          offset += 4;
          const table = halfToFloat();
          data = new Float32Array(blob.count);
          for (let i = 0; i < blob.count; i++) data[i] = table[view.getUint16(offset + i * 2, true)];
          offset += align4(blob.count * 2);
        } else if (tag === TAG_INT8) {
          throw new ModelImportError(
            'ERROR_MODEL_UNSUPPORTED_LAYER',
            `${describeLayer(layer)} has int8-quantized weights; only fp32 and fp16 ncnn models are supported`,
          );
        } else {
          const after = previous ? `; the blob before it, the ${previous.blob.what} of layer ${previous.layer.name}, was declared as ${previous.blob.count} values` : '';
          throw new ModelImportError(
            'ERROR_MODEL_SHAPE_MISMATCH',
            `ncnn .bin does not match the .param at ${describeLayer(layer)}: its ${blob.what} at byte ${offset} start with 0x${tag.toString(16).padStart(8, '0')}, not an fp32/fp16 type tag${after}`,
          );
        }
      }
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) throw new ModelImportError('ERROR_MODEL_CORRUPT', `${describeLayer(layer)}: its ${blob.what} contain NaN or infinity`);
      }
      loaded.push(data);
      previous = { layer, blob };
    }
    out.set(layer.name, loaded);
  }
  if (offset !== bin.byteLength) {
    const last = previous ? ` after the ${previous.blob.what} of layer ${previous.layer.name}, the last the .param declares` : '';
    throw new ModelImportError(
      'ERROR_MODEL_SHAPE_MISMATCH',
      `ncnn .bin has ${bin.byteLength - offset} bytes left over${last}: its weights do not match the .param's sizes`,
    );
  }
  return out;
}
