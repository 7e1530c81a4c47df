import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from './helpers/images.js';

// README's install: `npm install -g .` from the clone, then `upscale-bench` anywhere. A global install of a
// folder is a link to it; the command must still find the clone's built models from any working folder.
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const npm = (args: string[], prefix: string) =>
  spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
    cwd: tmpdir(),
    encoding: 'utf8',
    // --ignore-scripts: the clone is built already; its prepare script would only build it again
    env: { ...process.env, npm_config_prefix: prefix, npm_config_ignore_scripts: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
    timeout: 120_000,
  });

describe.skipIf(process.platform === 'win32')('upscale-bench installed globally from the clone', () => {
  let prefix: string;
  let bin: string;
  let elsewhere: string;
  beforeAll(async () => {
    prefix = await mkdtemp(join(tmpdir(), 'global-prefix-'));
    await mkdir(join(prefix, 'lib'), { recursive: true });
    const r = npm(['install', '-g', ROOT], prefix);
    expect(r.status, r.stderr).toBe(0);
    bin = join(prefix, 'bin', 'upscale-bench');
    elsewhere = await mkdtemp(join(tmpdir(), 'elsewhere-'));
    await cp(fixture('photos', 'chelsea.png'), join(elsewhere, 'chelsea.png'));
  });
  afterAll(() => {
    if (prefix) expect(npm(['uninstall', '-g', 'upscale-bench'], prefix).status).toBe(0);
    if (bin) expect(existsSync(bin)).toBe(false);
    // uninstalling removes the link, never the clone
    expect(existsSync(join(ROOT, 'package.json'))).toBe(true);
  });
  const run = (args: string[]) => {
    const { UPSCALE_BENCH_MODELS: _own, ...env } = process.env; // the models must be found without help
    return spawnSync(bin, args, { cwd: elsewhere, encoding: 'utf8', env, timeout: 120_000 });
  };

  it('lists the clone’s models from another folder', () => {
    const r = run(['models']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`built in (${join(realpathSync(ROOT), 'models')}, read-only)`);
    expect(r.stdout).toMatch(/^slim +built-in .*\n.*\n +fp32: [\d.]+ [kM]B, /m);
    expect(r.stdout).not.toContain('not built');
  });

  it('runs a local-ai batch from another folder', () => {
    const r = run(['run', 'chelsea.png', '--model', 'slim', '--out', 'r', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).counts).toMatchObject({ inputs: 1, ok: 1, errors: 0 });
    expect(readFileSync(join(elsewhere, 'r', 'testResults.csv'), 'utf8')).toContain('esrgan-slim x4');
  });
});
