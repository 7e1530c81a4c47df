/**
 * The one entry point for bringing a model file in: sniffs the format from the bytes (and the name where
 * the bytes cannot tell), hands the file to its converter, checks the graph it produced on a small probe,
 * and reports the source's sha256 and licence. Files are only ever opened read-only; nothing in them runs.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { BenchError, type ErrorCode, throwIfAborted } from '../../errors.js';
import { startWorker } from '../../workers/start-worker.js';
import { readFileReadOnly } from '../../image/read.js';
import { type LibraryEntry, ModelLibrary, nameFromFile } from '../library.js';
import { defaultTileOverlap } from '../../inference/tile-overlap.js';
import { stagedModel } from '../../inference/stage-graphs.js';
import { convertStateDict } from './convert-state-dict.js';
import { convertNcnn } from './ncnn/to-onnx.js';
import { type OnnxInputRange, convertOnnxFile } from './onnx-file.js';
import { readPth } from './readers/pth.js';
import { readSafetensors } from './readers/safetensors.js';
import { type ImportSpeed, measureSpeed } from './measure-speed.js';
import { type ConvertedImport, type ImportErrorCode, ModelImportError } from './state-dict.js';

export interface ImportProgress {
  stage: 'reading' | 'converting' | 'checking' | 'saving';
}

export interface ImportOptions {
  signal?: AbortSignal;
  /** The pixel range of an ONNX file (which cannot say); refused for other formats, whose range is known. */
  inputRange?: OnnxInputRange;
  onProgress?(p: ImportProgress): void;
}

export type ImportedFile = ConvertedImport & { sha256: string; license?: string; sourceFile: string; sourceBytes: number; speed?: ImportSpeed };

/** What the format sniffer decided, with the bytes it read. */
type Sniffed =
  | { format: 'pth-zip' | 'pth-legacy' | 'safetensors' | 'onnx'; bytes: Uint8Array }
  | { format: 'ncnn'; param: Uint8Array; bin: Uint8Array; binPath: string };

const EXPECTED = 'expected a PyTorch .pth/.pt, a .safetensors, an ncnn .param (with its .bin beside it) or an .onnx file';

export async function importModelFile(path: string, opts: ImportOptions = {}): Promise<ImportedFile> {
  const { signal, onProgress } = opts;
  onProgress?.({ stage: 'reading' });
  const sniffed = await sniff(path);
  throwIfAborted(signal);
  if (opts.inputRange && sniffed.format !== 'onnx') {
    throw new BenchError('ERROR_BAD_SETTINGS', `--input-range is for ONNX files only: ${basename(path)} is ${FORMAT_NAMES[sniffed.format]}, whose pixel range Upscale Bench knows`);
  }
  const hash = createHash('sha256');
  if (sniffed.format === 'ncnn') hash.update(sniffed.param).update(sniffed.bin);
  else hash.update(sniffed.bytes);
  const sha256 = hash.digest('hex');

  onProgress?.({ stage: 'converting' });
  // Let the progress event reach the screen before a long synchronous conversion starts.
  await new Promise((r) => setImmediate(r));
  const { converted, license } = await convert(sniffed, opts.inputRange);
  throwIfAborted(signal);

  onProgress?.({ stage: 'checking' });
  await probe(converted);
  throwIfAborted(signal);
  const speed = await measureSpeed(converted.onnx, converted.descriptor);
  throwIfAborted(signal);
  const sourceBytes = sniffed.format === 'ncnn' ? sniffed.param.byteLength + sniffed.bin.byteLength : sniffed.bytes.byteLength;
  const descriptor = { ...converted.descriptor, tileOverlap: defaultTileOverlap(converted.descriptor) };
  return { ...converted, descriptor, sha256, ...(license ? { license } : {}), sourceFile: basename(path), sourceBytes, ...(speed ? { speed } : {}) };
}

/** importModelFile in a worker thread: the caller's thread stays free (the app's main process), and abort ends the work at once. */
export function importModelFileInWorker(path: string, opts: ImportOptions = {}): Promise<ImportedFile> {
  throwIfAborted(opts.signal);
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'import-worker', { workerData: { path, inputRange: opts.inputRange } });
    const onAbort = () => {
      void worker.terminate();
      reject(new BenchError('ERROR_CANCELLED', 'cancelled'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => opts.signal?.removeEventListener('abort', onAbort);
    worker.on('message', (m: { progress?: ImportProgress; result?: ImportedFile; error?: { kind: string; code?: string; message: string } }) => {
      if (m.progress) opts.onProgress?.(m.progress);
      else if (m.result) {
        done();
        resolve(m.result);
      } else if (m.error) {
        done();
        const { kind, code, message } = m.error;
        reject(kind === 'import' ? new ModelImportError(code as ImportErrorCode, message) : kind === 'bench' ? new BenchError(code as ErrorCode, message) : new Error(message));
      }
    });
    worker.on('error', (err) => {
      done();
      reject(new BenchError('ERROR_INTERNAL', `the import stopped: ${err.message}`));
    });
    worker.on('exit', () => {
      done();
      reject(new BenchError('ERROR_INTERNAL', 'the import stopped without an answer'));
    });
  });
}

/** Imports a file and adds it to the library under `name` (default: from the file name). The library changes only on success. */
export async function addModelFile(
  path: string,
  opts: ImportOptions & { name?: string; force?: boolean; library?: ModelLibrary; inWorker?: boolean } = {},
): Promise<{ entry: LibraryEntry; ms: number; speed?: ImportSpeed }> {
  const t0 = Date.now();
  const library = opts.library ?? new ModelLibrary();
  const name = opts.name ?? nameFromFile(path);
  // Refuse a taken or unusable name before spending minutes converting.
  await library.checkName(name, opts.force);
  const imported = await (opts.inWorker ? importModelFileInWorker : importModelFile)(path, opts);
  opts.onProgress?.({ stage: 'saving' });
  throwIfAborted(opts.signal);
  const { descriptor, onnx, sha256, license, sourceFile, sourceBytes, speed } = imported;
  const measured = speed ? { mpsOut: speed.mpsOut, at: new Date().toISOString() } : undefined;
  const entry = await library.add(name, { ...descriptor, sha256, ...(license ? { license } : {}), sourceFile, sourceBytes, ...(measured ? { measured } : {}) }, onnx, { force: opts.force });
  // Split now into the body and head a run uses (inference/stage-graphs.ts), so the first run need not; best effort.
  await stagedModel(library.onnxPath(entry)).catch(() => undefined);
  return { entry, ms: Date.now() - t0, ...(speed ? { speed } : {}) };
}

async function sniff(path: string): Promise<Sniffed> {
  const bytes = new Uint8Array(await readFileReadOnly(path));
  const ext = extname(path).toLowerCase();
  if (bytes.byteLength === 0) throw new ModelImportError('ERROR_NOT_A_MODEL', `not a model: ${basename(path)} is empty (0 bytes)`);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16));
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return { format: 'pth-zip', bytes };
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return { format: 'pth-legacy', bytes };
  if (looksLikeSafetensors(bytes)) return { format: 'safetensors', bytes };
  if (head.toString('latin1').startsWith('7767517')) return ncnnPair(path, bytes, path.slice(0, path.length - ext.length) + '.bin');
  if (ext === '.bin') {
    // The user picked the weights half of an ncnn pair.
    const param = path.slice(0, path.length - ext.length) + '.param';
    if (existsSync(param)) {
      const text = new Uint8Array(await readFileReadOnly(param));
      if (Buffer.from(text.subarray(0, 7)).toString('latin1') === '7767517') return { format: 'ncnn', param: text, bin: bytes, binPath: path };
    }
  }
  // An ONNX ModelProto opens with field 1 (ir_version, a varint): tag byte 0x08.
  if (ext === '.onnx' || head[0] === 0x08) return { format: 'onnx', bytes };
  if (ext === '.param') throw new ModelImportError('ERROR_NOT_A_MODEL', `not an ncnn model: ${basename(path)} does not start with the ncnn magic 7767517`);
  throw new ModelImportError('ERROR_NOT_A_MODEL', `not a model: ${basename(path)} is none of the known formats (${EXPECTED})`);
}

async function ncnnPair(paramPath: string, param: Uint8Array, binPath: string): Promise<Sniffed> {
  if (!existsSync(binPath)) throw new ModelImportError('ERROR_MODEL_CORRUPT', `the ncnn weights are missing: ${basename(binPath)} must sit beside ${basename(paramPath)}`);
  return { format: 'ncnn', param, bin: new Uint8Array(await readFileReadOnly(binPath)), binPath };
}

/** 8-byte little-endian header length, then that many bytes of JSON starting with '{'. */
function looksLikeSafetensors(b: Uint8Array): boolean {
  if (b.byteLength < 10) return false;
  const n = Number(Buffer.from(b.buffer, b.byteOffset, 8).readBigUInt64LE(0));
  return n >= 2 && n <= b.byteLength - 8 && b[8] === 0x7b;
}

const FORMAT_NAMES: Record<Sniffed['format'], string> = {
  'pth-zip': 'a PyTorch file',
  'pth-legacy': 'a PyTorch file',
  safetensors: 'a safetensors file',
  ncnn: 'an ncnn model',
  onnx: 'an ONNX file',
};

async function convert(s: Sniffed, inputRange?: OnnxInputRange): Promise<{ converted: ConvertedImport; license?: string }> {
  switch (s.format) {
    case 'pth-zip':
    case 'pth-legacy':
      return { converted: convertStateDict(readPth(s.bytes), s.format) };
    case 'safetensors': {
      const { sd, metadata } = readSafetensors(s.bytes);
      return { converted: convertStateDict(sd, 'safetensors'), license: licenceOf(metadata) };
    }
    case 'ncnn':
      return { converted: convertNcnn(Buffer.from(s.param).toString('utf8'), s.bin) };
    case 'onnx':
      return { converted: convertOnnxFile(s.bytes, inputRange), license: licenceOf(onnxMetadata(s.bytes)) };
  }
}

function licenceOf(meta?: Record<string, string>): string | undefined {
  if (!meta) return undefined;
  const key = Object.keys(meta).find((k) => /^licen[cs]e$/i.test(k));
  const v = key ? String(meta[key]).trim() : '';
  return v ? v.slice(0, 200) : undefined;
}

/** ModelProto.metadata_props (field 14: key = 1, value = 2), read without a protobuf library. */
export function onnxMetadata(b: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const f of fields(b, 0, b.byteLength)) {
      if (f.no !== 14 || f.wire !== 2) continue;
      let key = '';
      let value = '';
      for (const g of fields(b, f.start, f.end)) {
        const text = Buffer.from(b.buffer, b.byteOffset + g.start, g.end - g.start).toString('utf8');
        if (g.no === 1 && g.wire === 2) key = text;
        if (g.no === 2 && g.wire === 2) value = text;
      }
      if (key) out[key] = value;
    }
  } catch {
    // A malformed file is the converter's to report; metadata is optional.
  }
  return out;
}

function* fields(b: Uint8Array, from: number, to: number): Generator<{ no: number; wire: number; start: number; end: number }> {
  let i = from;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= to) throw new Error('truncated');
      const c = b[i++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < to) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      varint();
      continue;
    }
    const len = wire === 2 ? varint() : wire === 1 ? 8 : wire === 5 ? 4 : -1;
    if (len < 0 || i + len > to) throw new Error('bad field');
    yield { no, wire, start: i, end: i + len };
    i += len;
  }
}

/** Runs the new graph once on a small input: it must give 3 finite channels at its declared scale. */
async function probe({ descriptor, onnx }: ConvertedImport): Promise<void> {
  const ort = await import('onnxruntime-node');
  const m = Math.max(1, descriptor.sizeMultiple || 1);
  const n = Math.ceil(16 / m) * m;
  const input = new Float32Array(3 * n * n).map((_, i) => (i * 37) % 256);
  let dims: readonly number[];
  let data: Float32Array;
  try {
    const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, graphOptimizationLevel: 'basic' });
    try {
      const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, n, n]) });
      const t = out.output as import('onnxruntime-node').Tensor | undefined;
      if (!t) throw new Error("it has no output named 'output'");
      dims = t.dims;
      data = t.data as Float32Array;
    } finally {
      await session.release();
    }
  } catch (err) {
    throw new ModelImportError('ERROR_MODEL_CORRUPT', `the converted ${descriptor.architecture} graph does not run: ${firstLine(err)}`);
  }
  const want = [1, 3, n * descriptor.scale, n * descriptor.scale];
  if (dims.join() !== want.join()) {
    throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `the converted graph gives [${dims.join(', ')}] for a ${n}×${n} input, expected [${want.join(', ')}] at x${descriptor.scale}`);
  }
  if (!data.every(Number.isFinite)) throw new ModelImportError('ERROR_MODEL_CORRUPT', 'the converted graph gives NaN or infinite values on a test input');
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300);
