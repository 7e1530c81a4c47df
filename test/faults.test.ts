import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings, type RunSettings } from '../main/core/pipeline/settings.js';
import { cliAsync } from './helpers/cli.js';
import { fixture } from './helpers/images.js';
import { S3Standin, S3RVER_CREDENTIALS } from './servers/s3-standin.js';
import { SageMakerStandin } from './servers/sagemaker-standin.js';

const rows = (dir: string) => parse(readFileSync(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
const access = { keys: S3RVER_CREDENTIALS };
const s3env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' };

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
  /** s3rver serving one bucket, gone after this file's tests. */
  const s3rver = async (bucket: string) => {
    const s3 = new S3Standin([bucket]);
    cleanups.push(() => s3.destroy());
    return { s3, url: await s3.start() };
  };

  it('S3 going away mid-run stops the run: finished rows kept, none written for the images left, one sentence, exit 4; a resume at the moved endpoint finishes it', async () => {
    const { s3, url } = await s3rver('flaky');
    const input = await photos(8);
    const out = join(input, '..', 'out');
    // one image at a time stores its copy and fetches it back: two requests an image, so three images finish
    s3.goAwayAfter(6);
    const args = ['--provider', 'bicubic', '--concurrency', '1', '--store', 's3', '--bucket', 'flaky'];
    const first = await cliAsync(['run', input, ...args, '--s3-endpoint', url, '--out', out], input, s3env);
    expect(first.status, first.stderr).toBe(4);
    const sentence = new RegExp(
      `^stopped: the S3 store s3://flaky at ${url} stopped answering \\((ECONNREFUSED|ECONNRESET|socket hang up), 3 times in a row\\), so the run stopped with its finished rows kept; ` +
        `once it answers again, finish it with \`upscale-bench run --resume ${out}\` \\(with --s3-endpoint URL if it moved\\) or Resume in the app's Past runs \\(`,
      'm',
    );
    expect(first.stderr).toMatch(sentence);
    expect(rows(out).map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ status: 'stopped', counts: { inputs: 8, ok: 3, errors: 0, not_run: 5 } });

    const moved = await s3.moveToNewPort(); // the same objects behind another endpoint
    expect(moved).not.toBe(url);
    const second = await cliAsync(['run', '--resume', out, '--s3-endpoint', moved], input, s3env);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/done: 8 images, 8 ok rows, 0 error rows \(3 images kept from the interrupted run\)/);
    expect(rows(out).map((r) => r.status)).toEqual(Array(8).fill('ok'));
    // the move is recorded, so a later resume goes to where the store is now
    expect(JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')).store).toEqual({ kind: 's3', bucket: 'flaky', endpoint: moved });
    // what the rows mean still may not change
    const other = await cliAsync(['run', '--resume', out, '--bucket', 'other'], input, s3env);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/its settings differ \(store\.bucket: was "flaky", now "other"\)/);
  }, 120_000);

  it('with several images in flight, losing the store writes no error row for any of them', async () => {
    const { s3, url } = await s3rver('flaky');
    const input = await photos(10);
    const out = join(input, '..', 'out');
    s3.goAwayAfter(7);
    const s = await runBatch({ ...defaultSettings(input), out, concurrency: 3, providers: [{ name: 'bicubic' }], store: { kind: 's3', bucket: 'flaky', endpoint: url } }, { access });
    expect(s.status).toBe('stopped');
    expect(s.message).toMatch(/^the S3 store s3:\/\/flaky at http:\/\/127\.0\.0\.1:\d+ stopped answering/);
    const r = rows(out);
    expect(r.every((x) => x.status === 'ok')).toBe(true);
    expect(r.length).toBeLessThanOrEqual(3); // seven requests: at most three images stored and fetched
    expect(s.counts).toMatchObject({ inputs: 10, errors: 0, not_run: 10 - r.length });
  });

  it('a store that answers "access denied" is not gone: its error rows are written and the run completes', async () => {
    const { url } = await s3rver('locked');
    const input = await photos(4);
    const out = join(input, '..', 'out');
    const s = await runBatch(
      { ...defaultSettings(input), out, concurrency: 1, providers: [{ name: 'bicubic' }], store: { kind: 's3', bucket: 'locked', endpoint: url } },
      { access: { keys: { accessKeyId: 'NOT-S3RVER', secretAccessKey: 'wrong' } } },
    );
    expect(s.status).toBe('completed');
    expect(rows(out).map((r) => r.error_code)).toEqual(Array(4).fill('ERROR_STORE'));
    expect(rows(out)[0].error).toMatch(/credentials were rejected|access denied/);
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
    const providers = [{ name: 'sagemaker', endpoint: 'upscaler', url, tile: 0 }, { name: 'sagemaker', endpoint: 'upscaler', url: 'http://127.0.0.1:9' }] as RunSettings['providers'];
    const keys = { access: { keys: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } } };
    const input = await photos(2);
    const out = join(input, '..', 'out');
    const s = await runBatch({ ...defaultSettings(input), out, concurrency: 1, providers }, keys);
    const r = rows(out);
    expect(s.status).toBe('completed');
    expect(r[0].error).toMatch(/ran out of GPU memory on a \d+×\d+ input/);
    expect(r.filter((x) => /cannot reach endpoint 'upscaler' at http:\/\/127\.0\.0\.1:9/.test(x.error)).length).toBe(2);
    // a third refusal in a row: the endpoint is gone, and the run stops rather than fill every row left with it
    const more = await photos(5);
    const s2 = await runBatch({ ...defaultSettings(more), out: join(more, '..', 'out'), concurrency: 1, providers }, keys);
    await sm.stop();
    expect(s2.status).toBe('stopped');
    expect(s2.message).toMatch(/^SageMaker endpoint 'upscaler' at http:\/\/127\.0\.0\.1:9 stopped answering \(ECONNREFUSED, 3 times in a row\).*\(with --sagemaker-url URL if it moved\)/);
    expect(s2.counts).toMatchObject({ inputs: 5, rows: 0, not_run: 5 });
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
