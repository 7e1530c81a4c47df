import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings, type RunSettings } from '../main/core/pipeline/settings.js';
import { fixture } from './helpers/images.js';

const BIN = fileURLToPath(new URL('../bin/upscale-bench.js', import.meta.url));
const STABLE = ['image_path', 'stored_key', 'status', 'error', 'width', 'height', 'stored_bytes', 'provider', 'orb_score', 'psnr', 'ssim'];
const rows = (dir: string) => parse(readFileSync(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
const stable = (rs: Record<string, string>[]) => rs.map((r) => Object.fromEntries(STABLE.map((k) => [k, r[k]])));

let input: string;
let clean: Record<string, string>[];
const settings = (out?: string): RunSettings => ({ ...defaultSettings(input), out, providers: [{ name: 'bicubic' }, { name: 'lanczos' }], concurrency: 2 });

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'resume-'));
  input = join(work, 'in');
  const names = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png', 'camera.png'];
  for (let i = 0; i < 12; i++) await cp(fixture('photos', names[i % names.length]), join(input, `${String(i).padStart(2, '0')}-${names[i % names.length]}`));
  await cp(fixture('corpus', 'truncated.png'), join(input, '99-broken.png'));
  await runBatch(settings(join(work, 'clean')));
  clean = stable(rows(join(work, 'clean')));
});

describe('resume', () => {
  it('finishes a cancelled run with exactly one row per input, equal to a clean run', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'resume-')), 'run');
    const ac = new AbortController();
    const first = await runBatch(settings(out), { signal: ac.signal, onEvent: (e) => e.type === 'image-done' && e.done === 5 && ac.abort() });
    expect(first.status).toBe('cancelled');
    const second = await runBatch(settings(), { resume: out });
    expect(second.status).toBe('completed');
    expect(second.resumed!.kept_inputs).toBeGreaterThanOrEqual(4);
    expect(stable(rows(out))).toEqual(clean);
  });

  it('resumes a run whose CSV predates the wait_ms and upscale_threads columns', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'resume-')), 'run');
    const ac = new AbortController();
    await runBatch(settings(out), { signal: ac.signal, onEvent: (e) => e.type === 'image-done' && e.done === 5 && ac.abort() });
    const older = rows(out).map(({ wait_ms: _w, upscale_threads: _t, ...rest }) => rest);
    await writeFile(join(out, 'testResults.csv'), stringify(older, { header: true, record_delimiter: '\n' }));
    const second = await runBatch(settings(), { resume: out });
    expect(second.status).toBe('completed');
    expect(second.resumed!.kept_inputs).toBeGreaterThanOrEqual(4);
    const after = rows(out);
    expect(stable(after)).toEqual(clean);
    const kept = new Set(older.filter((r) => r.status === 'ok').map((r) => `${r.image_path}|${r.provider}`));
    for (const r of after.filter((x) => x.status === 'ok')) {
      const wasKept = kept.has(`${r.image_path}|${r.provider}`);
      // kept rows keep their time and say nothing of what they never measured; new rows have both
      expect(r.upscale_ms, r.image_path).toMatch(/^\d+$/);
      expect([r.wait_ms, r.upscale_threads], r.image_path).toEqual(wasKept ? ['', ''] : ['0', '1']);
    }
  });

  it('refuses when the settings differ, and says which', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'resume-')), 'run');
    await runBatch({ ...settings(out), input: join(input, '00-astronaut.png') });
    await expect(runBatch({ ...settings(), input: join(input, '00-astronaut.png'), downscale: { ...settings().downscale, quality: 50 } }, { resume: out })).rejects.toThrow(
      /cannot resume .*: its settings differ \(downscale\.quality: was 90, now 50\)/,
    );
  });

  it.each([1, 4, 9])('survives SIGKILL after %i images and resumes to the clean result', async (after) => {
    const out = join(await mkdtemp(join(tmpdir(), 'kill-')), 'run');
    const args = ['run', input, '--provider', 'bicubic,lanczos', '--concurrency', '2'];
    const child = spawn(process.execPath, [BIN, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const done = [...stderr.matchAll(/\[(\d+)\/\d+\] lanczos/g)].length;
        if (done >= after) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    await new Promise((r) => child.on('exit', r));
    // what the crash left is a readable CSV of complete rows
    const partial = rows(out);
    expect(partial.length).toBeGreaterThanOrEqual(after);
    expect(partial.every((r) => r.status === 'ok' || r.status === 'error')).toBe(true);
    const resumed = spawn(process.execPath, [BIN, ...args, '--resume', out], { stdio: 'ignore' });
    expect(await new Promise((r) => resumed.on('exit', r))).toBe(3); // 99-broken.png's error rows
    const final = stable(rows(out));
    expect(final).toEqual(clean);
    expect(new Set(final.map((r) => `${r.image_path}|${r.provider}`)).size).toBe(final.length);
  });
});
