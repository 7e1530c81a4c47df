import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings, type RunSettings } from '../main/core/pipeline/settings.js';
import { fixture } from './helpers/images.js';
import { S3Standin, S3RVER_CREDENTIALS } from './servers/s3-standin.js';
import { SageMakerStandin } from './servers/sagemaker-standin.js';

const rows = (dir: string) => parse(readFileSync(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
const access = { keys: S3RVER_CREDENTIALS };

async function photos(n: number): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'faults-')), 'in');
  const names = ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png'];
  for (let i = 0; i < n; i++) await cp(fixture('photos', names[i % names.length]), join(dir, `${String(i).padStart(2, '0')}-${names[i % names.length]}`));
  return dir;
}

describe('faults against the real loopback servers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('S3 going away mid-run gives error rows, the run goes on, and a resume completes once it is back', async () => {
    const s3 = new S3Standin(['flaky']);
    cleanups.push(() => s3.destroy());
    const url = await s3.start();
    const input = await photos(8);
    const out = join(input, '..', 'out');
    const settings: RunSettings = { ...defaultSettings(input), out, concurrency: 1, providers: [{ name: 'bicubic' }], store: { kind: 's3', bucket: 'flaky', endpoint: url } };
    let stopped = false;
    const first = await runBatch(settings, {
      access,
      onEvent: (e) => {
        if (e.type === 'image-done' && e.done === 3 && !stopped) {
          stopped = true;
          void s3.stop();
        }
      },
    });
    expect(first.status).toBe('completed');
    const r1 = rows(out);
    expect(r1).toHaveLength(8);
    expect(r1.slice(0, 3).every((r) => r.status === 'ok')).toBe(true);
    const failed = r1.filter((r) => r.status === 'error');
    expect(failed.length).toBeGreaterThanOrEqual(4);
    expect(failed.every((r) => /S3 could not .*cannot reach S3/.test(r.error))).toBe(true);

    await s3.start(); // back on the same port with the same objects
    const second = await runBatch({ ...settings, out: undefined }, { access, resume: out });
    expect(second.counts).toMatchObject({ inputs: 8, ok: 8, errors: 0 });
    expect(second.resumed!.kept_inputs).toBe(8 - failed.length);
  });

  it('throttling bursts slow the run but it completes', async () => {
    const sm = new SageMakerStandin({ endpoints: ['upscaler'], faults: Array.from({ length: 5 }, () => ({ kind: 'throttle' as const })) });
    cleanups.push(() => sm.stop());
    const url = await sm.start();
    const input = await photos(4);
    const out = join(input, '..', 'out');
    const s = await runBatch(
      { ...defaultSettings(input), out, concurrency: 2, providers: [{ name: 'sagemaker', endpoint: 'upscaler', url }], downscale: { factor: 4, fit: { min: 100, max: 200 }, format: 'jpeg', quality: 80, kernel: 'cubic' } },
      { access: { keys: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } } },
    );
    expect(s.counts).toMatchObject({ ok: 4, errors: 0 });
    expect(sm.invocations.filter((i) => i.status === 400).length).toBe(5);
  });

  it('a refused endpoint and a ModelError become clear error rows', async () => {
    const sm = new SageMakerStandin({ endpoints: ['upscaler'], faults: [{ kind: 'oom' }] });
    const url = await sm.start();
    const input = await photos(3);
    const out = join(input, '..', 'out');
    await runBatch(
      { ...defaultSettings(input), out, concurrency: 1, providers: [{ name: 'sagemaker', endpoint: 'upscaler', url }, { name: 'sagemaker', endpoint: 'upscaler', url: 'http://127.0.0.1:9' }] as RunSettings['providers'] },
      { access: { keys: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } } },
    );
    await sm.stop();
    const r = rows(out);
    expect(r[0].error).toMatch(/ran out of GPU memory on a \d+×\d+ input/);
    expect(r.filter((x) => /cannot reach endpoint 'upscaler' at http:\/\/127\.0\.0\.1:9/.test(x.error)).length).toBe(3);
  });

  it('a full disk stops the run with a clear message and leaves a valid CSV', async (ctx) => {
    const mnt = await mkdtemp(join(tmpdir(), 'small-fs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      ctx.skip(); // needs root and mount rights; CI here has both
    }
    cleanups.push(async () => void execFileSync('umount', [mnt], { stdio: 'ignore' }));
    const input = await photos(12);
    const out = join(mnt, 'run');
    await mkdir(out);
    const s = await runBatch({ ...defaultSettings(input), out, concurrency: 1, providers: [{ name: 'bicubic' }], downscale: { factor: 2, format: 'png', quality: 90, kernel: 'lanczos3' } });
    expect(s.status).toBe('failed');
    expect(s.message).toMatch(/the output disk is full .*continue with --resume/);
    // what was written stays a valid CSV of whole rows
    const r = rows(out);
    expect(r.length).toBeGreaterThan(0);
    expect(r.length).toBeLessThan(12);
    expect(r.every((x) => x.status === 'ok')).toBe(true);
  });
});
