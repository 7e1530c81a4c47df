/**
 * Reads a zip archive's central directory (with zip64) and returns entries' bytes. PyTorch writes stored
 * (uncompressed) entries; deflated ones are inflated with node:zlib. Only what a .pth needs.
 */
import { inflateRawSync } from 'node:zlib';
import { ModelImportError } from '../state-dict.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const corrupt = (why: string) => new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt or truncated zip: ${why}`);

export const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

export function zipEntries(bytes: Uint8Array): Map<string, ZipEntry> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end-of-archive record (the file is cut short?)');
  let count = v.getUint16(eocd + 10, true);
  let cdSize = v.getUint32(eocd + 12, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || v.getUint32(loc, true) !== 0x07064b50) throw corrupt('zip64 locator missing');
    const z = Number(v.getBigUint64(loc + 8, true));
    if (z + 56 > bytes.length || v.getUint32(z, true) !== 0x06064b50) throw corrupt('zip64 record missing');
    count = Number(v.getBigUint64(z + 32, true));
    cdSize = Number(v.getBigUint64(z + 40, true));
    cdOffset = Number(v.getBigUint64(z + 48, true));
  }
  if (cdOffset + cdSize > bytes.length) throw corrupt('the central directory lies past the end of the file');
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || v.getUint32(p, true) !== 0x02014b50) throw corrupt('a broken central directory entry');
    const method = v.getUint16(p + 10, true);
    let compressedSize = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localOffset = v.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: the 64-bit values, in this order, for each 32-bit field that is saturated.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          const x = Number(v.getBigUint64(q, true));
          q += 8;
          return x;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

export function zipRead(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = entry.localOffset;
  if (p + 30 > bytes.length || v.getUint32(p, true) !== 0x04034b50) throw corrupt(`entry ${entry.name} has no local header`);
  const start = p + 30 + v.getUint16(p + 26, true) + v.getUint16(p + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw corrupt(`entry ${entry.name} runs past the end of the file`);
  const raw = bytes.subarray(start, end);
  if (entry.method === 0) return raw;
  if (entry.method === 8) {
    try {
      return new Uint8Array(inflateRawSync(raw));
    } catch {
      throw corrupt(`entry ${entry.name} does not inflate`);
    }
  }
  throw corrupt(`entry ${entry.name} uses compression method ${entry.method}`);
}
