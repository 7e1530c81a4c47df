/**
 * A restricted unpickler for PyTorch state dicts that executes nothing. It knows the opcodes a state dict
 * uses (protocols 2–5) and an allow-list of globals, each of which it interprets itself (an OrderedDict
 * becomes a Map, `_rebuild_tensor_v2` a tensor reference). Any other global — `os.system`,
 * `builtins.eval`, a model class — is refused by name before anything could call it; nothing in the file
 * is ever called. Modelled on PyTorch's own torch/_weights_only_unpickler.py.
 */
import { ModelImportError } from '../state-dict.js';

export interface PickleGlobal {
  kind: 'global';
  module: string;
  name: string;
}
/** A storage named by a persistent id: ('storage', type, key, location, numel). */
export interface StorageRef {
  kind: 'storage';
  storageType: string;
  key: string;
  numel: number;
  /** Legacy views: a window of another storage. */
  view?: { key: string; offset: number; numel: number };
}
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | PickleGlobal
  | StorageRef
  | TensorRef
  | { kind: 'object'; of: string };

/** Storage types a state dict may name, with their element type. */
export const STORAGE_TYPES: Record<string, string> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.device',
  ...Object.keys(STORAGE_TYPES).map((s) => `torch.${s}`),
]);

const corrupt = (why: string) => new ModelImportError('ERROR_MODEL_CORRUPT', `corrupt or truncated pickle: ${why}`);
const unsafe = (what: string) => new ModelImportError('ERROR_MODEL_UNSAFE', `refused: the file asks to run ${what}`);
const foreignPid = (what: string) =>
  new ModelImportError('ERROR_MODEL_UNSAFE', `refused: the file refers to a persistent object that is not a tensor storage (${what})`);

const MARK = Symbol('mark');
type Item = PickleValue | typeof MARK;

const isGlobal = (v: unknown, full?: string): v is PickleGlobal =>
  typeof v === 'object' && v !== null && (v as PickleGlobal).kind === 'global' && (full === undefined || `${(v as PickleGlobal).module}.${(v as PickleGlobal).name}` === full);

export interface UnpickleOptions {
  /** Resolves a persistent id; anything but a storage tuple is refused. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
}

/** Reads one pickle starting at `start`; returns the value and where the pickle ended (after STOP). */
export function unpickle(bytes: Uint8Array, start = 0, options: UnpickleOptions = {}): { value: PickleValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Item[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = start;

  const need = (n: number) => {
    if (pos + n > bytes.length) throw corrupt('the data ends early');
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('a length is out of range');
    return Number(v);
  };
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const text = (n: number) => new TextDecoder('utf-8', { fatal: false }).decode(take(n));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw corrupt('an unterminated text field');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw corrupt('the stack underflows');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw corrupt('the stack underflows');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw corrupt('no mark on the stack');
    const items = stack.splice(i) as PickleValue[];
    items.shift();
    return items;
  };
  const findGlobal = (module: string, name: string): PickleGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED.has(full)) throw unsafe(full);
    return { kind: 'global', module, name };
  };
  const littleInt = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const persistent = (pid: PickleValue): PickleValue => {
    if (!options.persistentLoad) throw foreignPid('none expected here');
    return options.persistentLoad(pid);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw corrupt('pickle protocol newer than 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        const set = top();
        if (!Array.isArray(set)) throw corrupt('ADDITEMS on a non-set');
        set.push(...items);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        const d = top();
        if (!(d instanceof Map)) throw corrupt('SETITEM on a non-dict');
        d.set(k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        const d = top();
        if (!(d instanceof Map) || items.length % 2) throw corrupt('SETITEMS on a non-dict');
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) throw corrupt('APPEND on a non-list');
        l.push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) throw corrupt('APPENDS on a non-list');
        l.push(...items);
        break;
      }
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(littleInt(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(littleInt(take(u32())));
        break;
      case 0x49: { // INT (protocol 0 text, also True/False as 01/00)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number(s));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(Number(line().replace(/L$/, '')));
        break;
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(new TextDecoder('latin1').decode(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(new TextDecoder('latin1').decode(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) throw corrupt(`memo ${i} is read before it is written`);
        stack.push(memo.get(i)!);
        break;
      }
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(findGlobal(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt('STACK_GLOBAL without names');
        stack.push(findGlobal(module, name));
        break;
      }
      case 0x69: { // INST: module\nname\n, then calls the class with the marked args
        const module = line();
        const g = findGlobal(module, line());
        stack.push(call(g, popMark()));
        break;
      }
      case 0x6f: { // OBJ: class and args after a mark
        const [cls, ...args] = popMark();
        if (!isGlobal(cls)) throw corrupt('OBJ without a class');
        stack.push(call(cls, args));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const f = pop();
        if (!isGlobal(f)) throw corrupt('REDUCE on something that is not a global');
        if (!Array.isArray(args)) throw corrupt('REDUCE without an argument tuple');
        stack.push(call(f, args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!isGlobal(cls) || !Array.isArray(args)) throw corrupt('NEWOBJ without a class');
        stack.push(call(cls, args));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop();
        const args = pop();
        const cls = pop();
        if (!isGlobal(cls) || !Array.isArray(args)) throw corrupt('NEWOBJ_EX without a class');
        stack.push(call(cls, args));
        break;
      }
      case 0x62: // BUILD: object state (an OrderedDict's _metadata, a parameter's attributes) is not needed
        pop();
        top();
        break;
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistent(line()));
        break;
      default:
        throw corrupt(`opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} is not one a state dict uses`);
    }
  }
}

/** Interprets an allowed global applied to arguments; nothing from the file is called. */
function call(g: PickleGlobal, args: PickleValue[]): PickleValue {
  const full = `${g.module}.${g.name}`;
  switch (full) {
    case 'collections.OrderedDict': {
      const m = new Map<PickleValue, PickleValue>();
      const items = args[0];
      if (Array.isArray(items)) for (const kv of items) if (Array.isArray(kv) && kv.length === 2) m.set(kv[0], kv[1]);
      return m;
    }
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = args;
      if (!isStorage(storage) || typeof offset !== 'number' || !isInts(size) || !isInts(stride)) throw corrupt(`${g.name} with unexpected arguments`);
      return { kind: 'tensor', storage, offset, size, stride };
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      if (!isTensor(args[0])) throw corrupt(`${g.name} without a tensor`);
      return args[0];
    case 'torch._tensor._rebuild_from_type_v2': {
      // (func, type, args, state): the func must itself be an allowed global; apply it to args.
      const [func, , inner] = args;
      if (!isGlobal(func) || !Array.isArray(inner)) throw corrupt('_rebuild_from_type_v2 with unexpected arguments');
      return call(func, inner);
    }
    case 'torch.device':
      return { kind: 'object', of: full };
    default:
      // Storage types and tensor classes are names, never constructed by a state dict.
      throw unsafe(full);
  }
}

export const isStorage = (v: unknown): v is StorageRef => typeof v === 'object' && v !== null && (v as StorageRef).kind === 'storage';
export const isTensor = (v: unknown): v is TensorRef => typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** A storage persistent id ('storage', <type global>, key, location, numel[, view]) → StorageRef. */
export function storageFromPid(pid: PickleValue): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage') throw foreignPid(describe(pid));
  const [, type, key, , numel, viewMeta] = pid;
  if (!isGlobal(type) || type.module !== 'torch' || !(type.name in STORAGE_TYPES)) throw corrupt('a storage of unknown type');
  if (typeof key !== 'string' || typeof numel !== 'number') throw corrupt('a storage without key or size');
  const ref: StorageRef = { kind: 'storage', storageType: type.name, key, numel };
  if (Array.isArray(viewMeta) && typeof viewMeta[0] === 'string' && typeof viewMeta[1] === 'number' && typeof viewMeta[2] === 'number') {
    ref.view = { key: viewMeta[0], offset: viewMeta[1], numel: viewMeta[2] };
  }
  return ref;
}

function describe(v: PickleValue): string {
  if (Array.isArray(v)) return `tuple starting ${typeof v[0] === 'string' ? JSON.stringify(v[0]) : typeof v[0]}`;
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v;
}
