import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError } from '../errors.js';
import { libraryDir } from '../paths.js';
import { LOCAL_MODELS, type Precision } from './catalog.js';
import type { ModelDescriptor } from './import/state-dict.js';
import type { Int8Quality } from './model-entry.js';

/** What an importer found out about a model (the import contract's ModelDescriptor). */
export type ModelFacts = ModelDescriptor;

/** One imported model as `model.json` records it beside its `model.onnx`. */
export interface LibraryEntry extends ModelFacts {
  name: string;
  /** sha256 of the file the user gave (for ncnn: of the .param and .bin, in that order). */
  sha256: string;
  license?: string;
  sourceFile: string;
  sourceBytes: number;
  onnxBytes: number;
  importedAt: string;
  /** Output megapixels per second on this machine: timed at import, then replaced by what runs measure. */
  measured?: { mpsOut: number; at: string };
  /** An int8 build beside the fp32 one (`model-int8.onnx`): its size, sha256, what it costs in fidelity, and its speed in runs. */
  int8?: LibraryInt8;
}

export interface LibraryInt8 {
  onnxBytes: number;
  /** sha256 of model-int8.onnx: a run with --precision int8 records it, and a resume refuses another graph. */
  sha256: string;
  summary: string;
  quality: Int8Quality;
  measured?: { mpsOut: number; at: string };
}

export const ONNX_FILE = 'model.onnx';
export const INT8_ONNX_FILE = 'model-int8.onnx';
export const DESCRIPTOR_FILE = 'model.json';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** Why a name cannot be a model's name (folder-safe on every OS, no built-in shadowed), or null. */
export function nameProblem(name: string): string | null {
  if (!NAME.test(name) || name.endsWith('.') || RESERVED.test(name)) {
    return `'${name}' is not a usable model name: 1-64 letters, digits, '.', '_', '+' or '-', starting with a letter or digit`;
  }
  if (Object.keys(LOCAL_MODELS).includes(name.toLowerCase())) return `'${name}' is a built-in model's name; choose another with --name`;
  return null;
}

/** A name made from a file name: unsafe characters become '-'. */
export function nameFromFile(file: string): string {
  const base = file.replace(/^.*[\\/]/, '').replace(/\.(pth|pt|safetensors|onnx|param|bin)$/i, '');
  const cleaned = base.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/[.-]+$/, '').slice(0, 64);
  return cleaned || 'model';
}

/**
 * The imported models on disk: one folder per model with the ONNX graph and its descriptor.
 * Every change is a rename of a complete folder, so a failure or a crash leaves the library as it was.
 */
export class ModelLibrary {
  constructor(readonly dir: string = libraryDir()) {}

  async list(): Promise<LibraryEntry[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const entries = await Promise.all(names.filter((n) => !n.startsWith('.')).map((n) => this.read(n)));
    return entries.filter((e): e is LibraryEntry => e !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The entry, matched exactly first and then ignoring case; null when there is none. */
  async find(name: string): Promise<LibraryEntry | null> {
    if (typeof name !== 'string' || !NAME.test(name)) return null;
    const exact = await this.read(name);
    if (exact) return exact;
    const all = await this.list();
    return all.find((e) => e.name.toLowerCase() === name.toLowerCase()) ?? null;
  }

  onnxPath(entry: Pick<LibraryEntry, 'name'>, precision: Precision = 'fp32'): string {
    return join(this.dir, entry.name, precision === 'int8' ? INT8_ONNX_FILE : ONNX_FILE);
  }

  /** Refuses an unusable name, or a taken one unless `force`. */
  async checkName(name: string, force = false): Promise<LibraryEntry | null> {
    const problem = nameProblem(name);
    if (problem) throw new BenchError('ERROR_BAD_SETTINGS', problem);
    const existing = await this.find(name);
    if (existing && !force) throw new BenchError('ERROR_BAD_SETTINGS', `a model named '${existing.name}' is already in the library; use --force to replace it, or another --name`);
    return existing;
  }

  async add(name: string, facts: Omit<LibraryEntry, 'name' | 'onnxBytes' | 'importedAt'>, onnx: Uint8Array, opts: { force?: boolean } = {}): Promise<LibraryEntry> {
    const existing = await this.checkName(name, opts.force);
    await mkdir(this.dir, { recursive: true });
    const entry: LibraryEntry = { name, ...facts, onnxBytes: onnx.byteLength, importedAt: new Date().toISOString() };
    const tmp = join(this.dir, `.adding-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(tmp);
      await writeFile(join(tmp, ONNX_FILE), onnx);
      await writeFile(join(tmp, DESCRIPTOR_FILE), JSON.stringify(entry, null, 2) + '\n');
      if (existing) {
        const old = join(this.dir, `.removing-${randomBytes(6).toString('hex')}`);
        await rename(join(this.dir, existing.name), old);
        try {
          await rename(tmp, join(this.dir, name));
        } catch (err) {
          await rename(old, join(this.dir, existing.name)).catch(() => undefined);
          throw err;
        }
        await rm(old, { recursive: true, force: true });
      } else await rename(tmp, join(this.dir, name));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof BenchError) throw err;
      throw new BenchError('ERROR_OUTPUT', `cannot write the model library (${this.dir}): ${(err as Error).message}`, { cause: err });
    }
    return entry;
  }

  async remove(name: string): Promise<LibraryEntry> {
    const entry = await this.find(name);
    if (!entry) throw new BenchError('ERROR_BAD_SETTINGS', `no imported model named '${name}'${Object.keys(LOCAL_MODELS).includes(name) ? ' (built-in models cannot be removed)' : ''}`);
    // Renamed away first, so the model vanishes at once even if deleting its files takes a while or fails.
    const gone = join(this.dir, `.removing-${randomBytes(6).toString('hex')}`);
    await rename(join(this.dir, entry.name), gone);
    await rm(gone, { recursive: true, force: true });
    return entry;
  }

  /**
   * Keeps an int8 build beside an entry's fp32 graph: model-int8.onnx, then model.json, each written to a
   * temporary file and renamed into place. Refused when the entry was removed or replaced (another source
   * file) while the build was being made.
   */
  async setInt8(name: string, sourceSha256: string, onnx: Uint8Array, int8: LibraryInt8): Promise<LibraryEntry> {
    const entry = await this.read(name);
    if (!entry || entry.sha256 !== sourceSha256) throw new BenchError('ERROR_BAD_SETTINGS', `model '${name}' was removed or replaced while its int8 build was being made; nothing was kept`);
    const next: LibraryEntry = { ...entry, int8 };
    const dest = join(this.dir, name, INT8_ONNX_FILE);
    const tmp = `${dest}.${randomBytes(4).toString('hex')}.partial`;
    try {
      await writeFile(tmp, onnx);
      await rename(tmp, dest);
      await this.writeDescriptor(next);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new BenchError('ERROR_OUTPUT', `cannot write the model library (${this.dir}): ${(err as Error).message}`, { cause: err });
    }
    return next;
  }

  private async writeDescriptor(entry: LibraryEntry): Promise<void> {
    const file = join(this.dir, entry.name, DESCRIPTOR_FILE);
    const tmp = `${file}.${randomBytes(4).toString('hex')}.partial`;
    try {
      await writeFile(tmp, JSON.stringify(entry, null, 2) + '\n');
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Records a speed measured by a run (of the fp32 or the int8 build); best effort, never fails the run. */
  async recordSpeed(name: string, mpsOut: number, precision: Precision = 'fp32'): Promise<void> {
    const entry = await this.read(name);
    if (!entry || !(mpsOut > 0)) return;
    const measured = { mpsOut: Number(mpsOut.toPrecision(3)), at: new Date().toISOString() };
    const next = precision === 'fp32' ? { ...entry, measured } : entry.int8 ? { ...entry, int8: { ...entry.int8, measured } } : null;
    if (!next) return;
    await this.writeDescriptor(next).catch(() => undefined);
  }

  private async read(name: string): Promise<LibraryEntry | null> {
    if (!NAME.test(name)) return null;
    try {
      const entry = JSON.parse(await readFile(join(this.dir, name, DESCRIPTOR_FILE), 'utf8')) as LibraryEntry;
      if (entry.name !== name || typeof entry.scale !== 'number' || !(await stat(join(this.dir, name, ONNX_FILE))).isFile()) return null;
      return entry;
    } catch {
      return null;
    }
  }
}

/** Thrown for a name that is neither built in nor imported. */
export function unknownModel(name: string, dir: string): BenchError {
  return new BenchError(
    'ERROR_BAD_SETTINGS',
    `unknown local model '${name}': not built in (${Object.keys(LOCAL_MODELS).join(', ')}) and not in the model library (${dir}); add it with \`upscale-bench models add FILE\``,
  );
}

/**
 * Records, in each local-ai spec naming an imported model, that model's canonical name and source sha256,
 * and with --precision int8 the sha256 of the int8 graph itself (hashed now, so a file replaced by hand is
 * caught too), so settings.json says exactly which graph ran and a resume refuses one replaced or removed.
 */
export async function pinImportedModels<T extends { providers: { name: string; model?: string; modelSha256?: string; precision?: Precision; int8Sha256?: string }[] }>(
  settings: T,
  library = new ModelLibrary(),
): Promise<T> {
  const providers = [];
  for (const p of settings.providers) {
    if (p.name !== 'local-ai' || !p.model || p.model in LOCAL_MODELS) {
      providers.push(p);
      continue;
    }
    const entry = await library.find(p.model);
    if (!entry) throw unknownModel(p.model, library.dir);
    if (p.modelSha256 && p.modelSha256 !== entry.sha256) throw changedModel(entry, p.modelSha256);
    let int8Sha256: string | undefined;
    if (p.precision === 'int8') {
      int8Sha256 = entry.int8 ? await fileSha256(library.onnxPath(entry, 'int8')) : undefined;
      if (p.int8Sha256 && p.int8Sha256 !== int8Sha256) throw changedInt8(entry.name, p.int8Sha256, int8Sha256);
    }
    providers.push({ ...p, model: entry.name, modelSha256: entry.sha256, ...(int8Sha256 ? { int8Sha256 } : {}) });
  }
  return { ...settings, providers };
}

async function fileSha256(path: string): Promise<string | undefined> {
  const bytes = await readFile(path).catch(() => undefined);
  return bytes && createHash('sha256').update(bytes).digest('hex');
}

export function changedInt8(name: string, used: string, now: string | undefined): BenchError {
  return new BenchError(
    'ERROR_BAD_SETTINGS',
    now
      ? `the int8 build of model '${name}' is not the graph this run used (sha256 ${now.slice(0, 12)}…, the run used ${used.slice(0, 12)}…): it was made again since`
      : `model '${name}' has no int8 build any more; this run used one (sha256 ${used.slice(0, 12)}…)`,
  );
}

export function changedModel(entry: Pick<LibraryEntry, 'name' | 'sha256'>, used: string): BenchError {
  return new BenchError(
    'ERROR_BAD_SETTINGS',
    `model '${entry.name}' in the library is not the file this run used (sha256 ${entry.sha256.slice(0, 12)}…, the run used ${used.slice(0, 12)}…)`,
  );
}
