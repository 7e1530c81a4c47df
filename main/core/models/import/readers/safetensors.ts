/**
 * .safetensors: an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
 * with an optional string map `__metadata__`, then the row-major tensor bytes. Nothing to execute.
 */
import { ModelImportError, type DType, type StateDict } from '../state-dict.js';
import { ELEMENT_SIZE, toFloat32 } from './tensor-data.js';

const DTYPES: Record<string, DType | 'I16'> = { F32: 'F32', F16: 'F16', BF16: 'BF16', F64: 'F64', I64: 'I64', I32: 'I32', I16: 'I16', I8: 'I8', U8: 'U8', BOOL: 'BOOL' };
const corrupt = (why: string) => new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt or truncated safetensors file: ${why}`);

/** True when the bytes start like a safetensors header (a sane length, then '{'). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return n > 1 && n <= 100_000_000 && bytes[8] === 0x7b;
}

export function readSafetensors(bytes: Uint8Array): { sd: StateDict; metadata?: Record<string, string> } {
  if (bytes.length < 8) throw new ModelImportError('ERROR_NOT_A_MODEL', 'not a safetensors file: too short');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (!looksLikeSafetensors(bytes)) throw new ModelImportError('ERROR_NOT_A_MODEL', 'not a safetensors file: no JSON header');
  if (8 + n > bytes.length) throw corrupt('the header runs past the end of the file');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw corrupt('the header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt('the header is not an object');
  const data = bytes.subarray(8 + n);
  const sd: StateDict = new Map();
  let metadata: Record<string, string> | undefined;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (info && typeof info === 'object') metadata = Object.fromEntries(Object.entries(info).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const dt = DTYPES[dtype ?? ''];
    if (!dt) throw corrupt(`tensor ${name} has unknown dtype ${String(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw corrupt(`tensor ${name} has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw corrupt(`tensor ${name} has no valid data_offsets`);
    const [begin, end] = offsets as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * ELEMENT_SIZE[dt]) throw corrupt(`tensor ${name}: ${end - begin} bytes for shape [${shape.join(', ')}] of ${dtype}`);
    if (end > data.length) throw corrupt(`tensor ${name} lies past the end of the file`);
    const strides = (shape as number[]).map((_, d) => (shape as number[]).slice(d + 1).reduce((a, b) => a * b, 1));
    sd.set(name, { shape: shape as number[], data: toFloat32(data.subarray(begin, end), dt, 0, shape as number[], strides, name) });
  }
  if (sd.size === 0) throw new ModelImportError('ERROR_NOT_A_MODEL', 'the file holds no tensors: not a model');
  return metadata ? { sd, metadata } : { sd };
}

/** The licence a safetensors header states, if any (`license`, or `modelspec.license`). */
export function licenseOf(metadata: Record<string, string> | undefined): string | undefined {
  if (!metadata) return undefined;
  return metadata.license ?? metadata['modelspec.license'] ?? metadata.licence;
}
