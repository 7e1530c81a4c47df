import { outsideArchive } from '../main/core/paths.js';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorker, workerUrl } from '../main/core/workers/start-worker.js';

describe('outsideArchive: what the installed app reads from app.asar.unpacked', () => {
  it('moves a path inside app.asar out of it, with either separator, and leaves others', () => {
    expect(outsideArchive('/opt/Upscale Bench/resources/app.asar/models')).toBe('/opt/Upscale Bench/resources/app.asar.unpacked/models');
    expect(outsideArchive('C:\\Program Files\\Upscale Bench\\resources\\app.asar\\models')).toBe('C:\\Program Files\\Upscale Bench\\resources\\app.asar.unpacked\\models');
    expect(outsideArchive('/work/upscale-bench/models')).toBe('/work/upscale-bench/models');
    expect(outsideArchive('/r/app.asar.unpacked/models')).toBe('/r/app.asar.unpacked/models');
    expect(outsideArchive('/r/myapp.asar/models')).toBe('/r/myapp.asar/models');
  });
});

describe('workerUrl: the worker beside the caller, outside the app.asar archive', () => {
  it('takes a caller inside app.asar to app.asar.unpacked, on each platform', () => {
    expect(workerUrl('file:///opt/Upscale%20Bench/resources/app.asar/dist/main/core/metrics/score-pool.js', 'score-worker').href).toBe(
      'file:///opt/Upscale%20Bench/resources/app.asar.unpacked/dist/main/core/metrics/score-worker.js',
    );
    expect(workerUrl('file:///C:/Users/Ana/AppData/Local/Programs/Upscale%20Bench/resources/app.asar/dist/main/core/inference/inference-worker.js', 'onnx-worker').href).toBe(
      'file:///C:/Users/Ana/AppData/Local/Programs/Upscale%20Bench/resources/app.asar.unpacked/dist/main/core/inference/onnx-worker.js',
    );
    expect(workerUrl('file:///Applications/Upscale%20Bench.app/Contents/Resources/app.asar/dist/main/core/models/import/import-model.js', 'import-worker').href).toBe(
      'file:///Applications/Upscale%20Bench.app/Contents/Resources/app.asar.unpacked/dist/main/core/models/import/import-worker.js',
    );
  });

  it('leaves every other place alone: unpacked already, a checkout, the TS source, folders that only look alike', () => {
    for (const [base, want] of [
      // the import worker starts the probe worker from where it runs itself
      ['file:///opt/app/resources/app.asar.unpacked/dist/main/core/models/import/onnx-probe.js', 'file:///opt/app/resources/app.asar.unpacked/dist/main/core/models/import/w.js'],
      ['file:///home/me/upscale-bench/dist/main/core/metrics/score-pool.js', 'file:///home/me/upscale-bench/dist/main/core/metrics/w.js'],
      ['file:///home/me/upscale-bench/main/core/metrics/score-pool.ts', 'file:///home/me/upscale-bench/main/core/metrics/w.ts'],
      ['file:///home/me/myapp.asar/dist/x.js', 'file:///home/me/myapp.asar/dist/w.js'],
      ['file:///home/me/app.asar.old/dist/x.js', 'file:///home/me/app.asar.old/dist/w.js'],
    ]) {
      expect(workerUrl(base, 'w').href).toBe(want);
    }
  });

  it('starts the unpacked worker when the caller is inside an archive Node cannot read', async () => {
    const resources = await mkdtemp(join(tmpdir(), 'asar-'));
    // plain Node sees app.asar as the file it is, so only the unpacked copy can load
    await writeFile(join(resources, 'app.asar'), 'not a folder');
    const dir = join(resources, 'app.asar.unpacked', 'core');
    await mkdir(dir, { recursive: true });
    await writeFile(join(resources, 'app.asar.unpacked', 'package.json'), '{ "type": "module" }');
    await writeFile(join(dir, 'answer.js'), 'export const answer = import.meta.url;');
    await writeFile(join(dir, 'echo-worker.js'), "import { parentPort } from 'node:worker_threads';\nimport { answer } from './answer.js';\nparentPort.postMessage(answer);");
    const worker = startWorker(pathToFileURL(join(resources, 'app.asar', 'core', 'caller.js')).href, 'echo-worker');
    const said = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(said).toBe(pathToFileURL(join(dir, 'answer.js')).href);
  });
});
