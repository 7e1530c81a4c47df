import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

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
  it('ships main, preload, renderer and models in app.asar, nothing from test/, native modules unpacked', async () => {
    const work = await mkdtemp(join(tmpdir(), 'pack-'));
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
    const resources = join(out, 'linux-unpacked', 'resources');
    const { listPackage } = require('@electron/asar') as { listPackage: (p: string, o: object) => string[] };
    const files = listPackage(join(resources, 'app.asar'), {}).map((f) => f.replace(/\\/g, '/'));
    for (const must of ['/package.json', '/dist/main/electron/main.js', '/dist/main/core/pipeline/run-batch.js', '/dist/preload/index.cjs', '/dist/renderer/index.html', '/models/esrgan-thick-x4.onnx', '/models/esrgan-thick-x4-int8.onnx',
      // importing a user's model converts to ONNX in the app, in worker threads
      '/dist/main/core/models/import/import-worker.js', '/dist/main/core/models/import/onnx-probe-worker.js', '/node_modules/onnx-proto/package.json']) {
      expect(files, must).toContain(must);
    }
    expect(files.filter((f) => f.startsWith('/test/') || f.startsWith('/scripts/') || f.startsWith('/dist/main/cli/'))).toEqual([]);
    expect(files.some((f) => f.startsWith('/node_modules/@tensorflow/'))).toBe(false);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'onnxruntime-node'))).toBe(true);
    expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'sharp'))).toBe(true);
  });
});
