/** Raw little-endian element bytes of any dtype a weights file holds → float32. */
import { ModelImportError, type DType } from '../state-dict.js';

export const ELEMENT_SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

const f16 = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
};
let F16_TABLE: Float32Array | undefined;

/**
 * Reads `size` (row-major) elements of a tensor laid out with `stride` from element `offset` of a storage.
 * `bytes` holds the storage.
 */
export function toFloat32(bytes: Uint8Array, dtype: DType | 'I16', offset: number, size: number[], stride: number[], what: string): Float32Array {
  const es = ELEMENT_SIZE[dtype];
  if (!es) throw new ModelImportError('ERROR_MODEL_CORRUPT', `${what}: unknown element type ${dtype}`);
  const n = size.reduce((a, b) => a * b, 1);
  // Highest element index read, to check the storage really holds it.
  let last = offset;
  for (let d = 0; d < size.length; d++) if (size[d] > 0) last += (size[d] - 1) * stride[d];
  if (n > 0 && (last + 1) * es > bytes.length) {
    throw new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt or truncated file: tensor ${what} needs ${(last + 1) * es} bytes, its storage has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = reader(dtype, view);
  const out = new Float32Array(n);
  const contiguous = size.every((_, d) => stride[d] === size.slice(d + 1).reduce((a, b) => a * b, 1) || size[d] === 1);
  if (contiguous) {
    if (dtype === 'F32' && (bytes.byteOffset + offset * 4) % 4 === 0) {
      out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset * 4, n));
      return out;
    }
    for (let i = 0; i < n; i++) out[i] = read(offset + i);
    return out;
  }
  const idx = new Array(size.length).fill(0);
  for (let i = 0; i < n; i++) {
    let e = offset;
    for (let d = 0; d < size.length; d++) e += idx[d] * stride[d];
    out[i] = read(e);
    for (let d = size.length - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function reader(dtype: DType | 'I16', v: DataView): (i: number) => number {
  switch (dtype) {
    case 'F32':
      return (i) => v.getFloat32(i * 4, true);
    case 'F16': {
      if (!F16_TABLE) {
        F16_TABLE = new Float32Array(65536);
        for (let h = 0; h < 65536; h++) F16_TABLE[h] = f16(h);
      }
      const t = F16_TABLE;
      return (i) => t[v.getUint16(i * 2, true)];
    }
    case 'BF16':
      return (i) => {
        scratch.setUint32(0, v.getUint16(i * 2, true) << 16, true);
        return scratch.getFloat32(0, true);
      };
    case 'F64':
      return (i) => v.getFloat64(i * 8, true);
    case 'I64':
      return (i) => Number(v.getBigInt64(i * 8, true));
    case 'I32':
      return (i) => v.getInt32(i * 4, true);
    case 'I16':
      return (i) => v.getInt16(i * 2, true);
    case 'I8':
      return (i) => v.getInt8(i);
    case 'U8':
    case 'BOOL':
      return (i) => v.getUint8(i);
  }
}
const scratch = new DataView(new ArrayBuffer(4));
