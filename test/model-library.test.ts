import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LibraryEntry, ModelLibrary, nameFromFile, nameProblem } from '../main/core/models/library.js';
import { listModels } from '../main/core/models/model-list.js';
import { onnxModelPath } from '../main/core/models/model-files.js';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings, type RunSettings } from '../main/core/pipeline/settings.js';
import { libraryDir, userDataDir } from '../main/core/paths.js';
import { fixture } from './helpers/images.js';

// A real graph stands in for an imported one: the built slim x2 model, entered as a library model of scale 2.
const facts = (sha256: string): Omit<LibraryEntry, 'name' | 'onnxBytes' | 'importedAt'> => ({
  architecture: 'ONNX',
  scale: 2,
  inChannels: 3,
  outChannels: 3,
  details: { nodes: 42 },
  params: 1000,
  sourceFormat: 'onnx',
  sizeMultiple: 1,
  sha256,
  sourceFile: 'slim-x2.onnx',
  sourceBytes: 1234,
});
const rows = (dir: string) => parse(readFileSync(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];

let work: string;
let onnx: Uint8Array;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'library-'));
  process.env.UPSCALE_BENCH_MODELS = join(work, 'library');
  onnx = new Uint8Array(await readFile(onnxModelPath('slim', 2)));
  await cp(fixture('photos', 'chelsea.png'), join(work, 'in', 'chelsea.png'));
});

describe('model library', () => {
  it('lives in the app user-data folder unless UPSCALE_BENCH_MODELS says otherwise', () => {
    expect(libraryDir()).toBe(join(work, 'library'));
    const saved = process.env.UPSCALE_BENCH_MODELS;
    delete process.env.UPSCALE_BENCH_MODELS;
    try {
      expect(libraryDir()).toBe(join(userDataDir(), 'models'));
      if (process.platform === 'linux') expect(userDataDir()).toMatch(/[/]Upscale Bench$/);
    } finally {
      process.env.UPSCALE_BENCH_MODELS = saved;
    }
  });

  it('validates names: folder-safe, no built-in shadowed', () => {
    expect(nameProblem('realesr-x4plus')).toBeNull();
    expect(nameProblem('4x_NMKD+Yandere.v2')).toBeNull();
    for (const bad of ['', '../x', 'a/b', 'a\\b', '.hidden', 'x.', 'CON', 'a b', 'x'.repeat(65), 'é']) expect(nameProblem(bad), bad).toMatch(/not a usable model name/);
    for (const b of ['thick', 'Slim', 'MEDIUM']) expect(nameProblem(b)).toMatch(/built-in/);
    expect(nameFromFile('/m/4x-UltraSharp.pth')).toBe('4x-UltraSharp');
    expect(nameFromFile('C:\\m\\my model (v2).safetensors')).toBe('my-model-v2');
    expect(nameFromFile('thick.onnx')).toBe('thick');
  });

  it('adds, refuses duplicates unless forced, replaces atomically, removes', async () => {
    const lib = new ModelLibrary(join(work, 'lib-a'));
    const e = await lib.add('slim2', facts('a'.repeat(64)), onnx);
    expect(e).toMatchObject({ name: 'slim2', scale: 2, onnxBytes: onnx.byteLength });
    expect((await lib.list()).map((x) => x.name)).toEqual(['slim2']);
    await expect(lib.add('SLIM2', facts('b'.repeat(64)), onnx)).rejects.toThrow(/a model named 'slim2' is already in the library; use --force/);
    await expect(lib.add('thick', facts('b'.repeat(64)), onnx)).rejects.toThrow(/built-in/);
    await lib.add('slim2', facts('b'.repeat(64)), onnx, { force: true });
    expect((await lib.find('slim2'))!.sha256).toBe('b'.repeat(64));
    expect((await lib.find('Slim2'))!.name).toBe('slim2');
    // nothing half-written is left behind
    expect(await readdir(lib.dir)).toEqual(['slim2']);
    await lib.remove('slim2');
    expect(await lib.list()).toEqual([]);
    await expect(lib.remove('slim2')).rejects.toThrow(/no imported model named 'slim2'/);
    await expect(lib.remove('thick')).rejects.toThrow(/built-in models cannot be removed/);
  });

  it('a failed write leaves the library unchanged', async () => {
    const lib = new ModelLibrary(join(work, 'lib-b'));
    await lib.add('keep', facts('a'.repeat(64)), onnx);
    const before = await readFile(join(lib.dir, 'keep', 'model.json'), 'utf8');
    // An entry whose JSON cannot be written (a BigInt) fails after the ONNX bytes were written to the temp folder.
    await expect(lib.add('keep', { ...facts('c'.repeat(64)), params: 1n as unknown as number }, onnx, { force: true })).rejects.toThrow(/cannot write the model library/);
    expect(await readFile(join(lib.dir, 'keep', 'model.json'), 'utf8')).toBe(before);
    expect(await readdir(lib.dir)).toEqual(['keep']);
  });

  it('ignores folders that are not complete entries', async () => {
    const lib = new ModelLibrary(join(work, 'lib-c'));
    await mkdir(join(lib.dir, 'half'), { recursive: true });
    await writeFile(join(lib.dir, 'half', 'model.json'), '{"name":"half","scale":2}');
    await mkdir(join(lib.dir, 'junk'));
    await writeFile(join(lib.dir, 'junk', 'model.json'), 'not json');
    expect(await lib.list()).toEqual([]);
  });

  it('one listing holds built-in and imported models', async () => {
    const lib = new ModelLibrary(join(work, 'lib-d'));
    await lib.add('slim2', { ...facts('a'.repeat(64)), license: 'BSD-3-Clause' }, onnx);
    const list = await listModels(lib);
    expect(list.map((m) => `${m.name}:${m.kind}`)).toEqual(['thick:built-in', 'medium:built-in', 'slim:built-in', 'slim2:imported']);
    expect(list[3]).toMatchObject({ architecture: 'ONNX', scales: [2], builds: { fp32: { bytes: onnx.byteLength } }, license: 'BSD-3-Clause', label: 'slim2' });
    expect(list[3].builds.fp32.speed).toBeUndefined();
    // built-ins are entries of the same shape: graphs per scale and precision, a speed, read-only
    expect(list[0]).toMatchObject({ name: 'thick', kind: 'built-in', label: 'esrgan-thick', tileOverlap: 10, builds: { fp32: { speed: { scale: 4, where: 'reference machine' } }, int8: { summary: expect.stringMatching(/dB/) } } });
    expect(list[0].builds.int8!.graphs[4]).toMatch(/esrgan-thick-x4-int8\.onnx$/);
    expect(list[2].builds.int8).toBeUndefined();
  });
});

describe('tile size of imported models', () => {
  it('ESRGAN-family nets get tiles whose full-resolution activations fit the memory budget; others the default', async () => {
    const { tileSizeFor } = await import('../main/core/models/resolve-model.js');
    const { importedEntry } = await import('../main/core/models/model-list.js');
    const importedTileSize = (l: LibraryEntry) => tileSizeFor(importedEntry(l), l.scale, 10);
    const e = (architecture: string, scale: number, features?: number) => ({ ...facts('a'.repeat(64)), name: 'x', onnxBytes: 0, importedAt: '', architecture, scale, details: features ? { features } : {} }) as LibraryEntry;
    expect(importedTileSize(e('ESRGAN', 4, 64))).toBe(176);
    expect(importedTileSize(e('ncnn (RRDBNet-like)', 4, 64))).toBe(176);
    expect(importedTileSize(e('ESRGAN', 2, 64))).toBe(256);
    expect(importedTileSize(e('ESRGAN', 8, 64))).toBe(64);
    expect(importedTileSize(e('Real-ESRGAN Compact', 4, 64))).toBe(256);
    expect(importedTileSize(e('SPAN', 4, 48))).toBe(256);
  });

  it('DAT and HAT get the largest tile on their window grid whose attention fits the budget', async () => {
    const { tileSizeFor } = await import('../main/core/models/resolve-model.js');
    const { importedEntry } = await import('../main/core/models/model-list.js');
    const importedTileSize = (l: LibraryEntry, overlap: number) => tileSizeFor(importedEntry(l), l.scale, overlap);
    const e = (architecture: string, details: Record<string, number | string>, sizeMultiple: number) => ({ ...facts('a'.repeat(64)), name: 'x', onnxBytes: 0, importedAt: '', architecture, scale: 4, details, sizeMultiple }) as LibraryEntry;
    const six = '6,6,6,6,6,6';
    // the published full-size configurations, at the 32 px default overlap
    expect(importedTileSize(e('DAT', { split: '8x32', heads: six, features: 180 }, 32), 32)).toBe(160);
    expect(importedTileSize(e('DAT', { split: '8x16', heads: six, features: 180 }, 16), 32)).toBe(224);
    expect(importedTileSize(e('DAT', { split: '8x32', heads: '6', features: 60 }, 32), 32)).toBe(224);
    expect(importedTileSize(e('HAT', { window: 16, overlap: 0.5, heads: six, features: 180 }, 16), 32)).toBe(144);
    expect(importedTileSize(e('HAT', { window: 16, overlap: 0.5, heads: six + ',' + six, features: 180 }, 16), 32)).toBe(144);
    // small nets keep the default; a tile never drops below 64 px
    expect(importedTileSize(e('HAT', { window: 8, overlap: 0.5, heads: '2', features: 30 }, 8), 32)).toBe(256);
    expect(importedTileSize(e('HAT', { window: 32, overlap: 1, heads: '12', features: 360 }, 32), 32)).toBe(64);
  });
});

describe('running an imported model', () => {
  const settings = (out?: string, model = 'slim2'): RunSettings => ({ ...defaultSettings(join(work, 'in')), out, providers: [{ name: 'local-ai', model }], concurrency: 1 });

  it('runs at its own scale, resizes to the original with lanczos and says why; the row names the model', async () => {
    const lib = new ModelLibrary();
    await lib.add('slim2', facts('a'.repeat(64)), onnx, { force: true });
    const summary = await runBatch(settings(join(work, 'run-1')));
    expect(summary.counts).toMatchObject({ inputs: 1, ok: 1 });
    const [r] = rows(join(work, 'run-1'));
    expect(r.model).toBe('slim2 x2');
    expect(r.notes).toBe('model is x2, run factor 4: output 226×150 resized with lanczos to 451×300');
    expect(Number(r.psnr)).toBeGreaterThan(20);
    const recorded = JSON.parse(readFileSync(join(work, 'run-1', 'settings.json'), 'utf8')) as RunSettings;
    expect(recorded.providers[0]).toMatchObject({ name: 'local-ai', model: 'slim2', modelSha256: 'a'.repeat(64) });
  });

  it('refuses an unknown name before creating the run folder', async () => {
    await expect(runBatch(settings(join(work, 'run-x'), 'nope'))).rejects.toThrow(/unknown local model 'nope': not built in \(thick, medium, slim\) and not in the model library/);
    await expect(readdir(join(work, 'run-x'))).rejects.toThrow();
  });

  it('resume refuses a model replaced or removed since the run started', async () => {
    const lib = new ModelLibrary();
    await lib.add('slim2', facts('a'.repeat(64)), onnx, { force: true });
    const out = join(work, 'run-2');
    await runBatch(settings(out));
    await lib.add('slim2', facts('d'.repeat(64)), onnx, { force: true });
    await expect(runBatch(settings(), { resume: out })).rejects.toThrow(/cannot resume .*: model 'slim2' changed since the run started \(sha256 aaaaaaaaaaaa… then, dddddddddddd… now\)/);
    // the app resumes with the recorded settings, sha256 included
    const recorded = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')) as RunSettings;
    await expect(runBatch({ ...recorded, out: undefined }, { resume: out })).rejects.toThrow(/model 'slim2' in the library is not the file this run used/);
    await lib.remove('slim2');
    await expect(runBatch(settings(), { resume: out })).rejects.toThrow(/unknown local model 'slim2'/);
    await lib.add('slim2', facts('a'.repeat(64)), onnx);
    expect((await runBatch(settings(), { resume: out })).status).toBe('completed');
  });
});
