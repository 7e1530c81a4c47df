import { outsideArchive } from '../main/core/paths.js';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRaw } from '../main/core/image/raw.js';
import { METRICS } from '../main/core/metrics/metric-names.js';
import { scoreSome } from '../main/core/metrics/score.js';
import { importModelFile } from '../main/core/models/import/import-model.js';
import { fixture } from './helpers/images.js';
import { walkModuleGraph } from './helpers/module-graph.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);

function loadConfig() {
  const { load } = require('js-yaml') as { load: (s: string) => Record<string, unknown> };
  return load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'));
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration: (c: unknown, log: unknown) => Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new () => unknown };
    await expect(validateConfiguration(loadConfig(), new DebugLogger())).resolves.toBeUndefined();
    // and the schema really is checked: a wrong key is refused
    await expect(validateConfiguration({ ...loadConfig(), nsis: { oneClik: false } }, new DebugLogger())).rejects.toThrow(/configuration\.nsis/);
  });

  it('names every installer the issue asks for', () => {
    const c = loadConfig() as { linux: { target: string[] }; win: { target: string[] }; mac: { target: string[] } };
    expect(c.linux.target).toEqual(['AppImage', 'deb']);
    expect(c.win.target).toEqual(['nsis']);
    expect(c.mac.target).toEqual(['dmg']);
    expect(existsSync(join(ROOT, 'build', 'icon.png'))).toBe(true);
  });
});

describe('packaging smoke test (linux dir, stub Electron binary)', () => {
  let work: string;
  let resources: string;
  let listed: string[];
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pack-'));
    const stub = join(work, 'electron-dist');
    await mkdir(stub);
    writeFileSync(join(stub, 'electron'), '#!/bin/sh\necho stub\n');
    chmodSync(join(stub, 'electron'), 0o755);
    const out = join(work, 'release');
    execFileSync(
      process.execPath,
      [require.resolve('electron-builder/cli.js'), '--linux', 'dir', '--publish', 'never', `-c.electronDist=${stub}`, `-c.directories.output=${out}`],
      { cwd: ROOT, stdio: 'pipe', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CI: 'true' }, timeout: 600_000 },
    );
    resources = join(out, 'linux-unpacked', 'resources');
    const { listPackage } = require('@electron/asar') as { listPackage: (p: string, o: object) => string[] };
    // the archive's header lists unpacked files too: they are in app.asar as far as Electron's fs goes
    listed = listPackage(join(resources, 'app.asar'), {}).map((f) => f.replace(/\\/g, '/'));
  });
  // a packed app is ~360 MB
  afterAll(() => work && rm(work, { recursive: true, force: true }));

  it('ships main, preload, renderer and models in app.asar, nothing from test/, native modules unpacked', () => {
    for (const must of ['/package.json', '/dist/main/electron/main.js', '/dist/main/core/pipeline/run-batch.js', '/dist/preload/index.cjs', '/dist/renderer/index.html', '/models/esrgan-thick-x4.onnx', '/models/esrgan-thick-x4-int8.onnx',
      // importing a user's model converts to ONNX in the app, in worker threads
      '/dist/main/core/models/import/import-worker.js', '/dist/main/core/models/import/onnx-probe-worker.js', '/node_modules/onnx-proto/package.json']) {
      expect(listed, must).toContain(must);
    }
    expect(listed.filter((f) => f.startsWith('/test/') || f.startsWith('/scripts/') || f.startsWith('/dist/main/cli/'))).toEqual([]);
    expect(listed.some((f) => f.startsWith('/node_modules/@tensorflow/'))).toBe(false);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'onnxruntime-node'))).toBe(true);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'sharp'))).toBe(true);
    // the Electron side stays in the archive; the built-in models, which workers read, do not
    expect(existsSync(join(resources, 'app.asar.unpacked', 'dist', 'main', 'electron'))).toBe(false);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'models', 'esrgan-thick-x4-int8.onnx'))).toBe(true);
    // an imported model's int8 build is calibrated, in a worker, on the bundled photos
    expect(existsSync(join(resources, 'app.asar.unpacked', 'assets', 'calibration', 'retina.png'))).toBe(true);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'assets', 'calibration', 'LICENSE.txt'))).toBe(true);
  });

  it('every worker and everything it loads are real files outside app.asar', () => {
    // The workers are what startWorker starts, anywhere in the engine: startWorker(import.meta.url, 'name').
    const engine = listed.filter((f) => /^\/dist\/main\/.*\.js$/.test(f));
    const workers = engine.flatMap((f) => {
      const src = readFileSync(join(ROOT, f), 'utf8');
      expect(src.includes('new Worker(') && !f.endsWith('/workers/start-worker.js'), `${f} starts a worker without startWorker`).toBe(false);
      return [...src.matchAll(/startWorker\(import\.meta\.url, '([\w-]+)'/g)].map((m) => `${f.slice(1, f.lastIndexOf('/'))}/${m[1]}.js`);
    });
    expect(workers.sort()).toEqual([
      'dist/main/core/inference/onnx-worker.js',
      'dist/main/core/metrics/score-worker.js',
      'dist/main/core/models/import/import-worker.js',
      'dist/main/core/models/import/onnx-probe-worker.js',
      'dist/main/core/models/int8/int8-worker.js',
    ]);
    const unpacked = join(resources, 'app.asar.unpacked');
    const installed = (pkg: string) => listed.some((f) => f.endsWith(`/node_modules/${pkg}/package.json`));
    const graph = walkModuleGraph(unpacked, workers.map((w) => join(unpacked, w)), installed);
    expect(graph.problems).toEqual([]);
    // the walk did reach the engine and the packages the workers use
    expect(graph.files).toEqual(expect.arrayContaining(['dist/main/core/metrics/orb.js', 'dist/main/core/inference/onnx-runner.js', 'dist/main/core/models/import/onnx-probe.js']));
    expect(graph.packages).toEqual(expect.arrayContaining(['node_modules/onnxruntime-node', 'node_modules/sharp', 'node_modules/opencv-wasm', 'node_modules/protobufjs', 'node_modules/long']));
  });

  it('the packed workers load and work in plain Node, which cannot read inside app.asar, started as the app starts them', async () => {
    const onnxFile = fixture('onnx-import', 'compact-x2-static.onnx');
    const [h, w] = [12, 10];
    const tile = { dims: [1, 3, h, w], data: Array.from({ length: 3 * h * w }, (_, i) => (i * 37) % 256) };
    const photo = sharp(fixture('photos', 'chelsea.png')).removeAlpha().resize(96, 80);
    const a = await toRaw(photo.clone());
    const b = await toRaw(photo.clone().blur(1.5));
    const request = join(work, 'request.json');
    const onnxOut = join(work, 'imported.onnx');
    // where the installed app's modelsDir() points: resources/app.asar/models, moved out of the archive
    const builtin = outsideArchive(join(resources, 'app.asar', 'models', 'esrgan-slim-x2.onnx'));
    const int8Target = { name: 'imported', architecture: 'ONNX', scale: 2, sizeMultiple: 1, tileSize: 256, tileOverlap: 16 };
    writeFileSync(request, JSON.stringify({ onnxFile, onnxOut, tile, builtin, int8Target, metrics: METRICS, a: { ...a, data: [...a.data] }, b: { ...b, data: [...b.data] } }));
    const stdout = execFileSync(process.execPath, [join(ROOT, 'test', 'helpers', 'packed-workers.mjs'), resources, request], { encoding: 'utf8', timeout: 300_000 });
    const got = JSON.parse(stdout) as {
      fatal?: string;
      import: { url: string; error?: unknown; descriptor: unknown };
      run: { opened: string; error?: string; dims: number[]; data: number[] };
      scores: { scores?: Record<string, unknown>; error?: string };
      int8: { error?: unknown; photos?: number; calibration?: string; bytes?: number };
    };
    expect(got.fatal).toBeUndefined();
    // startWorker took the caller inside app.asar to the unpacked worker
    expect(got.import.url).toContain('/resources/app.asar.unpacked/dist/main/core/models/import/import-worker.js');
    // each answer is what the same code gives in this process, from the source tree
    const here = await importModelFile(onnxFile);
    expect(got.import.error).toBeUndefined();
    expect(got.import.descriptor).toEqual(here.descriptor);
    expect((await readFile(onnxOut)).equals(Buffer.from(here.onnx))).toBe(true);
    const session = await ort.InferenceSession.create(here.onnx, { intraOpNumThreads: 1 });
    const ref = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(tile.data), tile.dims) })).output;
    await session.release();
    expect(got.run.error).toBeUndefined();
    expect(got.run).toMatchObject({ opened: 'opened', dims: [1, 3, 2 * h, 2 * w] });
    expect(got.builtin).toMatchObject({ opened: 'opened', dims: [1, 3, 2 * h, 2 * w] });
    const worst = Math.max(...got.run.data.map((v, i) => Math.abs(v - (ref.data as Float32Array)[i])));
    expect(worst).toBeLessThan(1e-3);
    // the int8 worker read the bundled calibration photos from outside the archive
    expect(got.int8).toMatchObject({ photos: 9, calibration: 'bundled', bytes: expect.any(Number) });
    expect(got.scores.error).toBeUndefined();
    expect(got.scores.scores).toEqual(JSON.parse(JSON.stringify(scoreSome(a, b, METRICS))));
  });
});
