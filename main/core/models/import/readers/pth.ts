/**
 * PyTorch .pth/.pt state dicts, without PyTorch and without executing the pickle: the zip format
 * (PyTorch ≥ 1.6: <root>/data.pkl + <root>/data/<key>) and the legacy format (one stream: magic number,
 * protocol, sys info, the object pickle, the storage keys, then each storage as an 8-byte element count
 * and its bytes). Nested dicts are flattened to dotted keys; non-tensor values are dropped.
 */
import { ModelImportError, type DType, type StateDict } from '../state-dict.js';
import { isTensor, STORAGE_TYPES, storageFromPid, unpickle, type PickleValue, type StorageRef } from './pickle.js';
import { ELEMENT_SIZE, toFloat32 } from './tensor-data.js';
import { isZip, zipEntries, zipRead } from './zip.js';

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export type PthFormat = 'pth-zip' | 'pth-legacy';

export function readPth(bytes: Uint8Array): StateDict {
  return readPthWithFormat(bytes).sd;
}

export function readPthWithFormat(bytes: Uint8Array): { sd: StateDict; format: PthFormat } {
  if (isZip(bytes)) return { sd: readZip(bytes), format: 'pth-zip' };
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return { sd: readLegacy(bytes), format: 'pth-legacy' };
  throw new ModelImportError('ERROR_NOT_A_MODEL', 'not a PyTorch file: it is neither a zip archive nor a pickle');
}

function readZip(bytes: Uint8Array): StateDict {
  const entries = zipEntries(bytes);
  const pkl = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    const torchScript = [...entries.keys()].some((n) => /\/constants\.pkl$|\/code\//.test(n));
    throw new ModelImportError(
      'ERROR_NOT_A_MODEL',
      torchScript ? 'a TorchScript archive, not a state dict: save the weights with torch.save(model.state_dict())' : 'a zip without a PyTorch data.pkl: not a model file',
    );
  }
  const root = pkl[0].slice(0, -'data.pkl'.length);
  const order = entries.get(`${root}byteorder`);
  if (order && new TextDecoder().decode(zipRead(bytes, order)).trim() === 'big') {
    throw new ModelImportError('ERROR_MODEL_CORRUPT', 'a big-endian PyTorch file: not supported');
  }
  const storages = new Map<string, Uint8Array>();
  const { value } = unpickle(zipRead(bytes, entries.get(pkl[0])!), 0, { persistentLoad: storageFromPid });
  return flatten(value, (ref, what) => {
    let data = storages.get(ref.key);
    if (!data) {
      const entry = entries.get(`${root}data/${ref.key}`);
      if (!entry) throw new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt or truncated file: storage ${ref.key} of ${what} is missing from the archive`);
      data = zipRead(bytes, entry);
      storages.set(ref.key, data);
    }
    return data;
  });
}

function readLegacy(bytes: Uint8Array): StateDict {
  const magic = unpickle(bytes, 0);
  if (magic.value !== LEGACY_MAGIC && magic.value !== Number(LEGACY_MAGIC)) {
    throw new ModelImportError('ERROR_NOT_A_MODEL', 'a Python pickle, but not a PyTorch state dict (no PyTorch magic number)');
  }
  const protocol = unpickle(bytes, magic.end);
  if (protocol.value !== 1001) throw new ModelImportError('ERROR_MODEL_CORRUPT', `unsupported legacy PyTorch protocol ${String(protocol.value)}`);
  const sysInfo = unpickle(bytes, protocol.end);
  const little = !(sysInfo.value instanceof Map) || sysInfo.value.get('little_endian') !== false;
  if (!little) throw new ModelImportError('ERROR_MODEL_CORRUPT', 'a big-endian legacy file: not supported');
  const refs = new Map<string, StorageRef>();
  const obj = unpickle(bytes, sysInfo.end, {
    persistentLoad: (pid) => {
      const ref = storageFromPid(pid);
      refs.set(ref.key, ref);
      if (ref.view) refs.set(ref.view.key, ref);
      return ref;
    },
  });
  const keys = unpickle(bytes, obj.end);
  if (!Array.isArray(keys.value)) throw new ModelImportError('ERROR_MODEL_CORRUPT', 'corrupt legacy file: no storage key list');
  const storages = new Map<string, Uint8Array>();
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value) {
    const ref = refs.get(String(key));
    if (!ref) throw new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt legacy file: storage ${String(key)} is not used by any tensor`);
    if (pos + 8 > bytes.length) throw new ModelImportError('ERROR_MODEL_CORRUPT', 'corrupt or truncated file: the storages end early');
    const count = Number(v.getBigInt64(pos, true));
    const nbytes = count * ELEMENT_SIZE[STORAGE_TYPES[ref.storageType]];
    pos += 8;
    if (pos + nbytes > bytes.length) throw new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt or truncated file: storage ${String(key)} ends early`);
    storages.set(String(key), bytes.subarray(pos, pos + nbytes));
    pos += nbytes;
  }
  return flatten(obj.value, (ref, what) => {
    const data = storages.get(ref.key);
    if (!data) throw new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt or truncated file: storage ${ref.key} of ${what} is missing`);
    return data;
  });
}

/** Walks nested dicts, materialising every tensor as float32 under its dotted key. */
function flatten(root: PickleValue, storageBytes: (ref: StorageRef, what: string) => Uint8Array): StateDict {
  const sd: StateDict = new Map();
  const walk = (v: PickleValue, prefix: string) => {
    if (v instanceof Map) {
      for (const [k, child] of v) if (typeof k === 'string' || typeof k === 'number') walk(child, prefix ? `${prefix}.${k}` : String(k));
    } else if (isTensor(v)) {
      const ref = v.storage;
      const dtype = STORAGE_TYPES[ref.storageType] as DType | 'I16';
      let data = storageBytes(ref, prefix);
      let offset = v.offset;
      if (ref.view) {
        // A legacy view: the tensor's storage is a window into the root storage.
        const es = ELEMENT_SIZE[dtype];
        data = data.subarray(ref.view.offset * es, (ref.view.offset + ref.view.numel) * es);
        offset = v.offset;
      }
      sd.set(prefix, { shape: v.size, data: toFloat32(data, dtype, offset, v.size, v.stride, prefix) });
    }
  };
  walk(root, '');
  if (sd.size === 0) throw new ModelImportError('ERROR_NOT_A_MODEL', 'the file holds no tensors: not a model');
  return sd;
}
