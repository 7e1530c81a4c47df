import { existsSync, readFileSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertStateDict } from '../main/core/models/import/convert-state-dict.js';
import { unpickle } from '../main/core/models/import/readers/pickle.js';
import { readPth, readPthWithFormat } from '../main/core/models/import/readers/pth.js';
import { readSafetensors } from '../main/core/models/import/readers/safetensors.js';
import * as zip from '../main/core/models/import/readers/zip.js';
import type { StateDict } from '../main/core/models/import/state-dict.js';
import { ensureTestModels, testModelPath } from '../scripts/fetch-test-models.js';
import { expectImportError } from './helpers/import-errors.js';
import { fixture } from './helpers/images.js';

const PWNED = '/tmp/upscale-bench-pickle-pwned';
const file = (name: string) => new Uint8Array(readFileSync(fixture('models', name)));

// Pickle bytes assembled by hand: every way a pickle can name a callable.
const enc = (s: string) => [...new TextEncoder().encode(s)];
const binunicode = (s: string) => [0x58, ...new Uint8Array(new Uint32Array([enc(s).length]).buffer), ...enc(s)];
const pickle = (...ops: (number | number[])[]) => new Uint8Array([0x80, 0x02, ...ops.flat(), 0x2e]);
const HOSTILE: [string, Uint8Array, string][] = [
  ['GLOBAL + REDUCE', pickle(enc('cposix\nsystem\n'), binunicode('touch ' + PWNED), 0x85, 0x52), 'posix.system'],
  ['GLOBAL os.system', pickle(enc('cos\nsystem\n'), binunicode('id'), 0x85, 0x52), 'os.system'],
  ['STACK_GLOBAL', new Uint8Array([0x80, 0x04, 0x8c, 8, ...enc('builtins'), 0x8c, 4, ...enc('eval'), 0x93, ...binunicode('1+1'), 0x85, 0x52, 0x2e]), 'builtins.eval'],
  ['INST', pickle(0x28, binunicode('id'), enc('isubprocess\ncheck_output\n')), 'subprocess.check_output'],
  ['OBJ on an allowed name', pickle(0x28, enc('ctorch\nFloatStorage\n'), 0x6f), 'torch.FloatStorage'],
  ['NEWOBJ', pickle(enc('cbuiltins\nobject\n'), 0x29, 0x81), 'builtins.object'],
  ['a model class', pickle(enc('cbasicsr.archs.rrdbnet_arch\nRRDBNet\n'), 0x29, 0x52), 'basicsr.archs.rrdbnet_arch.RRDBNet'],
  ['nested in a state dict', pickle(0x7d, binunicode('w'), enc('cbuiltins\nexec\n'), binunicode('x'), 0x85, 0x52, 0x73), 'builtins.exec'],
];

/** A stored zip like torch.save writes: archive/data.pkl (+ more entries). */
function storedZip(entries: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = new TextEncoder().encode(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(n.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, n, data);
    central.push(cd, n);
    offset += 30 + n.length + data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, ...central, end]));
}

beforeAll(() => {
  rmSync(PWNED, { force: true });
  ensureTestModels();
});

describe('unsafe pickles are refused by name, and nothing runs', () => {
  it.each(HOSTILE)('%s', (_, bytes, name) => {
    expectImportError(() => unpickle(bytes), 'ERROR_MODEL_UNSAFE', new RegExp(`^refused: the file asks to run ${name.replace(/\./g, '\\.')}$`));
    expectImportError(() => readPth(storedZip([['archive/data.pkl', bytes]])), 'ERROR_MODEL_UNSAFE', new RegExp(name.replace(/\./g, '\\.')));
    expect(existsSync(PWNED)).toBe(false);
  });

  it('a real torch.save file carrying an os.system payload (zip and legacy)', () => {
    expectImportError(() => readPth(file('hostile-os-system.pth')), 'ERROR_MODEL_UNSAFE', /posix\.system/);
    expectImportError(() => readPth(file('hostile-os-system-legacy.pth')), 'ERROR_MODEL_UNSAFE', /posix\.system/);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('a persistent id that is not a storage', () => {
    const pid = pickle(binunicode('module'), 0x51);
    expectImportError(() => readPth(storedZip([['archive/data.pkl', pid]])), 'ERROR_MODEL_UNSAFE', /persistent object that is not a tensor storage/);
    expectImportError(() => unpickle(pid), 'ERROR_MODEL_UNSAFE', /persistent object/);
  });

  it('still reads what a state dict needs', () => {
    const od = pickle(enc('ccollections\nOrderedDict\n'), 0x29, 0x52, 0x71, 0, binunicode('k'), 0x4b, 7, 0x73);
    expect(unpickle(od).value).toEqual(new Map([['k', 7]]));
  });
});

describe('corrupt, truncated and foreign files get one clear line', () => {
  it('truncated zip .pth, at several points', () => {
    const whole = new Uint8Array(readFileSync(testModelPath('2x-AniScale.pth')));
    for (const keep of [100, whole.length / 2, whole.length - 30]) {
      expectImportError(() => readPth(whole.subarray(0, Math.floor(keep))), 'ERROR_MODEL_CORRUPT', /corrupt or truncated/);
    }
  });

  it('a zip whose storage entry is missing or short', () => {
    const pkl = readPthWithFormat(file('rrdb-old-x2.pth'));
    expect(pkl.format).toBe('pth-zip');
    const real = file('rrdb-old-x2.pth');
    // Keep the pickle, drop every storage: the importer names the storage it cannot find.
    const entries = new Map<string, Uint8Array>();
    const { zipEntries, zipRead } = zip;
    for (const [name, e] of zipEntries(real)) if (name.endsWith('data.pkl')) entries.set(name, zipRead(real, e));
    expectImportError(() => readPth(storedZip([...entries])), 'ERROR_MODEL_CORRUPT', /storage \S+ of model\.0\.weight is missing/);
  });

  it('truncated legacy .pth, in the pickle and in the storages', () => {
    const whole = new Uint8Array(readFileSync(testModelPath('4x-NMKD-YandereNeo-Superlite.pth')));
    expectImportError(() => readPth(whole.subarray(0, 5000)), 'ERROR_MODEL_CORRUPT', /corrupt or truncated pickle: the data ends early/);
    expectImportError(() => readPth(whole.subarray(0, whole.length - 1000)), 'ERROR_MODEL_CORRUPT', /corrupt or truncated file: storage \S+ ends early/);
  });

  it('a pickle with a byte flipped into an unknown opcode', () => {
    const bytes = pickle(0x7d, 0x71, 0);
    bytes[bytes.length - 1] = 0xff;
    expectImportError(() => unpickle(bytes), 'ERROR_MODEL_CORRUPT', /opcode 0xff/);
  });

  it('not a model: a PNG, a text file, a zip of other things, a safetensors header that is not JSON', () => {
    expectImportError(() => readPth(new Uint8Array(readFileSync(fixture('models', 'input-chelsea-48x40.png')))), 'ERROR_NOT_A_MODEL', /not a PyTorch file/);
    expectImportError(() => readPth(new TextEncoder().encode('hello, I am a text file\n')), 'ERROR_NOT_A_MODEL', /not a PyTorch file/);
    expectImportError(() => readPth(storedZip([['photos/readme.txt', new TextEncoder().encode('hi')]])), 'ERROR_NOT_A_MODEL', /zip without a PyTorch data\.pkl/);
    expectImportError(() => readSafetensors(new TextEncoder().encode('hello, I am a text file\n')), 'ERROR_NOT_A_MODEL', /not a safetensors file/);
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setBigUint64(0, 8n, true);
    bad.set(enc('{"a": ]}'), 8);
    expectImportError(() => readSafetensors(bad), 'ERROR_MODEL_CORRUPT', /header is not valid JSON/);
  });

  it('a safetensors tensor whose bytes do not fit its shape, or lie past the end', () => {
    const st = file('span-x2.safetensors');
    expectImportError(() => readSafetensors(st.subarray(0, st.length - 10)), 'ERROR_MODEL_CORRUPT', /lies past the end of the file/);
  });
});

describe('architecture detection failures', () => {
  const sdOf = (name: string): StateDict => readPth(file(name));

  it('unknown architecture lists what was tried', () => {
    expectImportError(() => convertStateDict(unknownLike(), 'pth-zip'), 'ERROR_MODEL_UNKNOWN_ARCH', /^unknown architecture: the weights match none of ESRGAN, SPAN, OmniSR, RealPLKSR, DAT, HAT, SwinIR, Real-ESRGAN Compact \(2 tensors, first residual_layer/);
  });

  it('a variant the converter does not build yet is named (RealPLKSR with DySample)', () => {
    const sd = readPth(file('realplksr-x2.pth'));
    sd.set('params_ema.to_img.init_pos', { shape: [1, 32, 1, 1], data: new Float32Array(32) });
    expectImportError(() => convertStateDict(sd, 'pth-zip'), 'ERROR_MODEL_UNSUPPORTED_LAYER', /RealPLKSR with DySample upsampling/);
  });

  it('DAT and HAT variants the converter does not build are named in one line', () => {
    const noPos = sdOf('dat-x4.pth');
    for (const k of [...noPos.keys()]) if (k.includes('.pos.')) noPos.delete(k);
    expectImportError(() => convertStateDict(noPos, 'pth-zip'), 'ERROR_MODEL_UNSUPPORTED_LAYER', /^DAT without the dynamic position bias \(attns\.N\.pos\) is not supported$/);
    // split sizes whose larger is no multiple of the smaller: offsets of an 8×12 window
    const oddSplit = sdOf('dat-x4.pth');
    const rpe = Float32Array.from({ length: 15 * 23 * 2 }, (_, i) => (i % 2 ? ((i - 1) / 2) % 23 : Math.floor(i / 2 / 23)) - (i % 2 ? 11 : 7));
    oddSplit.set('params.layers.0.blocks.0.attn.attns.0.rpe_biases', { shape: [15 * 23, 2], data: rpe });
    expectImportError(() => convertStateDict(oddSplit, 'pth-zip'), 'ERROR_MODEL_UNSUPPORTED_LAYER', /^DAT with split sizes 8x12 is not supported/);
    // a stored relative position index that is not the window's own (DAT-S keeps one)
    const dats = readSafetensors(file('dat-s-x3.safetensors')).sd;
    const index = dats.get('layers.0.blocks.0.attn.attns.0.relative_position_index')!;
    dats.set('layers.0.blocks.0.attn.attns.0.relative_position_index', { shape: index.shape, data: index.data.map((v, i) => (i === 5 ? v + 1 : v)) });
    expectImportError(() => convertStateDict(dats, 'safetensors'), 'ERROR_MODEL_UNSUPPORTED_LAYER', /^DAT with a relative position index other than its window's \(layers\.0\.blocks\.0\.attn\.attns\.0\.relative_position_index\)/);
    const ape = sdOf('hat-x4.pth');
    ape.set('params_ema.absolute_pos_embed', { shape: [1, 4096, 30], data: new Float32Array(4096 * 30) });
    expectImportError(() => convertStateDict(ape, 'pth-zip'), 'ERROR_MODEL_UNSUPPORTED_LAYER', /^HAT with an absolute position embedding is not supported$/);
    const oddOverlap = sdOf('hat-x4.pth');
    oddOverlap.set('params_ema.relative_position_index_OCA', { shape: [64, 121], data: new Float32Array(64 * 121) });
    expectImportError(() => convertStateDict(oddOverlap, 'pth-zip'), 'ERROR_MODEL_UNSUPPORTED_LAYER', /^HAT with overlapping windows of 11² around 8² is not supported/);
  });

  it('a weight of the wrong shape is named with both shapes', () => {
    const sd = sdOf('rrdb-old-x2.pth');
    const t = sd.get('model.1.sub.1.RDB2.conv3.0.weight')!;
    sd.set('model.1.sub.1.RDB2.conv3.0.weight', { shape: [t.shape[0], t.shape[1] + 1, 3, 3], data: new Float32Array(t.data.length + 36) });
    expectImportError(() => convertStateDict(sd, 'pth-zip'), 'ERROR_MODEL_SHAPE_MISMATCH', /tensor model\.1\.sub\.1\.RDB2\.conv3\.0\.weight has shape \[4, 17, 3, 3\], the graph needs \[4, 16, 3, 3\]/);
  });

  it('a missing weight, and a tensor the architecture does not have', () => {
    const sd = sdOf('rrdb-old-x2.pth');
    sd.delete('model.1.sub.0.RDB3.conv5.0.bias');
    expectImportError(() => convertStateDict(sd, 'pth-zip'), 'ERROR_MODEL_SHAPE_MISMATCH', /tensor model\.1\.sub\.0\.RDB3\.conv5\.0\.bias is missing/);
    const extra = sdOf('compact-x4-fp16.pth');
    extra.set('body.3.alpha', { shape: [1], data: new Float32Array(1) });
    expectImportError(() => convertStateDict(extra, 'pth-zip'), 'ERROR_MODEL_SHAPE_MISMATCH', /unexpected tensor \(body\.3\.alpha\)/);
  });
});

/** A state dict from a network none of the architectures has (an OmniSR-like key set). */
function unknownLike(): StateDict {
  return new Map([
    ['residual_layer.0.layer.0.fn.0.weight', { shape: [64, 64, 1, 1], data: new Float32Array(64 * 64) }],
    ['up.0.weight', { shape: [48, 64, 3, 3], data: new Float32Array(48 * 64 * 9) }],
  ]);
}
