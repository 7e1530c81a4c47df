/**
 * The SageMaker provider at photo size and fleet scale: tiles, requests in flight, throttling, out-of-memory
 * splits, Asynchronous Inference over S3 and cancel, all through the real AWS SDKs against the loopback
 * SageMaker stand-in and s3rver.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { toRaw } from '../main/core/image/raw.js';
import { psnr } from '../main/core/metrics/psnr.js';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings } from '../main/core/pipeline/settings.js';
import { RequestSlots } from '../main/core/providers/sagemaker/request-slots.js';
import { SageMakerJumpStartProvider } from '../main/core/providers/sagemaker-jumpstart.js';
import type { UpscaleInput } from '../main/core/providers/upscale-provider.js';
import { BenchError } from '../main/core/errors.js';
import { cliAsync } from './helpers/cli.js';
import { fixture } from './helpers/images.js';
import { S3RVER_CREDENTIALS, S3Standin } from './servers/s3-standin.js';
import { SageMakerStandin, type StandinOptions } from './servers/sagemaker-standin.js';

const creds = S3RVER_CREDENTIALS;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function standin(opts: StandinOptions = {}): Promise<{ sm: SageMakerStandin; url: string }> {
  const sm = new SageMakerStandin({ endpoints: ['upscaler'], ...opts });
  const url = await sm.start();
  stops.push(() => sm.stop());
  return { sm, url };
}

const provider = (url: string, extra: Partial<ConstructorParameters<typeof SageMakerJumpStartProvider>[0]> = {}) =>
  new SageMakerJumpStartProvider({ endpointName: 'upscaler', region: 'us-east-1', url, credentials: creds, retryBaseMs: 10, ...extra });

/** A photo's stored copy: the astronaut brought to w×h as the JPEG a ÷4 run stores. */
async function stored(w: number, h: number): Promise<UpscaleInput> {
  const bytes = await sharp(fixture('photos', 'astronaut.png')).removeAlpha().resize(w, h, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  return { bytes, format: 'jpeg', width: w, height: h, target: { width: w * 4, height: h * 4 } };
}

describe('tiled requests', () => {
  it('a 2400×1600 photo at ÷4 comes back whole through tiles where the endpoint refuses inputs over 256 px', async () => {
    const { sm, url } = await standin({ maxInputSide: 256, maxInputPixels: 1e9 });
    const dir = await mkdtemp(join(tmpdir(), 'sm-tiles-'));
    await mkdir(join(dir, 'in'));
    await sharp(fixture('photos', 'astronaut.png')).removeAlpha().resize(2400, 1600, { fit: 'fill' }).jpeg({ quality: 92 }).toFile(join(dir, 'in', 'photo.jpg'));
    const run = (name: string, tile: number) =>
      runBatch(
        {
          ...defaultSettings(join(dir, 'in')),
          out: join(dir, name),
          providers: [{ name: 'sagemaker', endpoint: 'upscaler', url, tile }],
          downscale: { factor: 4, format: 'original', quality: 90, kernel: 'lanczos3' },
          sagemakerRun: { concurrency: 4, pricePerHour: 1.5, instances: 2 },
        },
        { access: { keys: creds } },
      );
    const whole = await run('whole', 0);
    const wholeRow = (parse(readFileSync(join(dir, 'whole', 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[])[0];
    expect(wholeRow.error).toMatch(/ran out of GPU memory on a 600×400 input/);
    expect(whole.sagemaker).toMatchObject({ invocations: 1, retrievals: 0 });

    const before = sm.invocations.length;
    const tiled = await run('tiled', 192);
    const row = (parse(readFileSync(join(dir, 'tiled', 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[])[0];
    expect(row.status).toBe('ok');
    const out = await sharp(row.upscaled_path).metadata();
    expect([out.width, out.height]).toEqual([2400, 1600]);
    expect(row.notes).not.toMatch(/resized/);
    const sent = sm.invocations.slice(before);
    expect(sent.every((i) => i.status === 200 && Math.max(i.width!, i.height!) <= 192)).toBe(true);
    expect(row.notes).toContain(`${sent.length} requests`);
    // cost: the busy time's instance-hours at $1.50 × 2 instances, per 1,000 retrievals
    const s = tiled.sagemaker!;
    expect(s).toMatchObject({ invocations: sent.length, retries: 0, throttles: 0, retrievals: 1, requests_in_flight: 4, price_per_hour: 1.5, instances: 2 });
    expect(s.cost_per_1000_retrievals).toBeCloseTo(((1.5 * 2 * s.busy_seconds) / 3600) * 1000, 3);
    const summary = JSON.parse(readFileSync(join(dir, 'tiled', 'summary.json'), 'utf8'));
    expect(summary.sagemaker.invocations).toBe(sent.length);
  });

  it('stitched tiles are as close to a clean bicubic ×4 as the whole image sent at once (within 1 dB PSNR)', async () => {
    const { url } = await standin({ kernel: 'cubic', maxInputPixels: 1e9 });
    const input = await stored(600, 400);
    const reference = await toRaw(sharp(input.bytes).resize(2400, 1600, { kernel: 'cubic' }));
    const whole = await provider(url, { tile: 0 }).upscale(input);
    const tiled = await provider(url, { tile: 192 }).upscale(input);
    expect(tiled.notes.join()).toMatch(/tiles of ≤ 192 px, 24 px overlap, feathered/);
    const [pw, pt] = [psnr(whole.image, reference), psnr(tiled.image, reference)];
    expect(pw).toBeGreaterThan(25);
    expect(Math.abs(pw - pt)).toBeLessThan(1);
  });

  it('a tile that runs out of memory is split in four and retried', async () => {
    const { sm, url } = await standin({ maxInputSide: 120, maxInputPixels: 1e9 });
    const out = await provider(url, { tile: 192 }).upscale(await stored(300, 200));
    expect([out.image.width, out.image.height]).toEqual([1200, 800]);
    expect(out.notes.join()).toMatch(/a tile ran out of GPU memory and was split \(floor 64 px\)/);
    const refused = sm.invocations.filter((i) => i.status === 424);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((i) => Math.max(i.width!, i.height!) > 120)).toBe(true);
    expect(sm.invocations.filter((i) => i.status === 200).every((i) => Math.max(i.width!, i.height!) <= 120)).toBe(true);
  });

  it('gives up at the floor with a clear error', async () => {
    const { url } = await standin({ maxInputSide: 40, maxInputPixels: 1e9 });
    const err = await provider(url, { tile: 192 }).upscale(await stored(200, 150)).catch((e) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect(err.message).toMatch(/ran out of GPU memory on a \d+×\d+ input/);
  });
});

describe('requests in flight', () => {
  it('keeps N requests in flight across the tiles of two images, and never more', async () => {
    const { sm, url } = await standin({ holdUntilInFlight: 4, delayMs: 20, maxInputPixels: 1e9 });
    const slots = new RequestSlots(4);
    const p = provider(url, { tile: 96, tileOverlap: 8, slots });
    const [a, b] = await Promise.all([p.upscale(await stored(200, 150)), p.upscale(await stored(150, 100))]);
    expect(a.image.width).toBe(800);
    expect(b.image.width).toBe(600);
    expect(sm.maxInFlight).toBe(4);
    expect(slots.usage.invocations).toBe(sm.invocations.length);
  });

  it('a throttled burst backs off and recovers, counted as throttles and retries', async () => {
    const { sm, url } = await standin({ maxInputPixels: 1e9 });
    sm.throttleNext(3, 429);
    sm.throttleNext(3, 400);
    const slots = new RequestSlots(4);
    const out = await provider(url, { tile: 96, tileOverlap: 8, slots }).upscale(await stored(200, 150));
    expect(out.image.width).toBe(800);
    expect(slots.usage).toMatchObject({ throttles: 6, retries: 6 });
    expect(sm.invocations.filter((i) => i.status === 200).length).toBe(slots.usage.invocations - 6);
  });

  it('persistent throttling gives up with an error after the bound', async () => {
    const { sm, url } = await standin({ maxInputPixels: 1e9 });
    sm.throttleNext(50);
    const err = await provider(url, { tile: 0, maxAttempts: 3 }).upscale(await stored(64, 64)).catch((e) => e);
    expect(err.message).toMatch(/throttled the requests after 3 attempts; lower --sagemaker-concurrency/);
    expect(sm.invocations).toHaveLength(3);
  });

  it('cancel stops sending at once and leaves nothing in flight', async () => {
    const ac = new AbortController();
    const { sm, url } = await standin({ maxInputPixels: 1e9, delayMs: 50, onInvocation: () => ac.abort() });
    const slots = new RequestSlots(2);
    const err = await provider(url, { tile: 96, tileOverlap: 8, slots }).upscale({ ...(await stored(300, 300)), signal: ac.signal }).catch((e) => e);
    expect(err.code).toBe('ERROR_CANCELLED');
    expect(slots.inFlight).toBe(0);
    expect(sm.invocations.length).toBeLessThanOrEqual(2);
  });
});

/** s3rver and a stand-in whose asynchronous API reads and writes it; `keys` lists the bucket, `p` makes an async provider. */
async function asyncSetup(opts: StandinOptions = {}) {
  const s3 = new S3Standin(['bench']);
  const s3url = await s3.start();
  stops.push(() => s3.destroy());
  const { sm, url } = await standin({
    maxInputPixels: 1e9,
    s3: { url: s3url, credentials: creds, outputPath: 's3://bench/async-out/', failurePath: 's3://bench/async-failures/' },
    ...opts,
  });
  const client = new S3Client({ region: 'us-east-1', endpoint: s3url, forcePathStyle: true, credentials: creds });
  stops.push(async () => client.destroy());
  const keys = async (prefix: string) => ((await client.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
  const p = (extra = {}, asyncExtra = {}) => provider(url, { async: { input: 's3://bench/requests/', s3Endpoint: s3url, pollMs: 10, pollCapMs: 100, ...asyncExtra }, ...extra });
  return { sm, keys, p, s3url, url };
}

describe('Asynchronous Inference over S3', () => {
  it('uploads each tile, queues it, reads the answer and deletes its inputs', async () => {
    const { sm, keys, p } = await asyncSetup({ asyncDelayMs: 30 });
    const out = await p({ tile: 96, tileOverlap: 8 }).upscale(await stored(200, 150));
    expect([out.image.width, out.image.height]).toEqual([800, 600]);
    const queued = sm.invocations.filter((i) => i.async);
    expect(queued.length).toBeGreaterThan(1);
    expect(queued.every((i) => i.async!.input.startsWith('s3://bench/requests/upscale-bench-'))).toBe(true);
    expect(await keys('requests/')).toEqual([]);
    expect((await keys('async-out/')).length).toBe(queued.length); // the endpoint's answers are kept
  });

  it('a failure object becomes an error row', async () => {
    const { keys, p } = await asyncSetup({ faults: [{ kind: 'model-error', message: 'bad image', originalStatus: 400 }] });
    const err = await p({ tile: 0 }).upscale(await stored(64, 64)).catch((e) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect(err.message).toBe('SageMaker: the asynchronous request failed: bad image');
    expect(await keys('requests/')).toEqual([]);
    expect(await keys('async-failures/')).toHaveLength(1);
  });

  it('gives up at --async-timeout and still deletes its input', async () => {
    const { keys, p } = await asyncSetup({ asyncDelayMs: 120_000 });
    const err = await p({ tile: 0 }, { timeoutMs: 1000 })
      .upscale(await stored(64, 64))
      .catch((e) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect(err.message).toBe('SageMaker: no asynchronous answer within 1 s (--async-timeout)');
    expect(await keys('requests/')).toEqual([]);
  });

  it('an out-of-memory failure object splits the tile like a real-time one', async () => {
    const { keys, p } = await asyncSetup({ maxInputSide: 100 });
    const out = await p({ tile: 192 }).upscale(await stored(150, 100));
    expect(out.image.width).toBe(600);
    expect(out.notes.join()).toMatch(/was split/);
    expect(await keys('requests/')).toEqual([]);
  });

  it('cancel mid-run leaves no orphan input objects', async () => {
    const ac = new AbortController();
    const { sm, keys, p } = await asyncSetup({ asyncDelayMs: 60_000, onInvocation: (r) => r.async && ac.abort() });
    const err = await p({ tile: 96, tileOverlap: 8 }).upscale({ ...(await stored(300, 200)), signal: ac.signal }).catch((e) => e);
    expect(err.code).toBe('ERROR_CANCELLED');
    expect(sm.invocations.some((i) => i.async)).toBe(true);
    expect(await keys('requests/')).toEqual([]);
  });
});

describe('a whole run', () => {
  it('cancelled while its tiles are queued asynchronously, ends cancelled with no input object left', async () => {
    const ac = new AbortController();
    const { sm, keys, s3url, url } = await asyncSetup({ asyncDelayMs: 60_000, onInvocation: () => sm.invocations.length >= 3 && ac.abort() });
    const dir = await mkdtemp(join(tmpdir(), 'sm-cancel-'));
    await mkdir(join(dir, 'in'));
    for (const i of [0, 1, 2]) await sharp(fixture('photos', 'astronaut.png')).removeAlpha().resize(800 + i, 600, { fit: 'fill' }).jpeg().toFile(join(dir, 'in', `${i}.jpg`));
    const summary = await runBatch(
      {
        ...defaultSettings(join(dir, 'in')),
        out: join(dir, 'out'),
        concurrency: 3,
        providers: [{ name: 'sagemaker', endpoint: 'upscaler', url, tile: 96, tileOverlap: 8, async: { input: 's3://bench/requests/', s3Endpoint: s3url, pollMs: 10, pollCapMs: 100 } }],
        sagemakerRun: { concurrency: 4 },
      },
      { access: { keys: creds }, signal: ac.signal },
    );
    expect(summary.status).toBe('cancelled');
    expect(summary.counts.rows).toBe(0);
    expect(await keys('requests/')).toEqual([]);
    expect(summary.sagemaker!.invocations).toBeGreaterThanOrEqual(3);
  });
});

describe('the CLI flags', () => {
  it('run --sagemaker-async with tiles, requests in flight and a price writes the cost into summary.json', async () => {
    const { sm, s3url, url } = await asyncSetup({ maxInputSide: 128 });
    const dir = await mkdtemp(join(tmpdir(), 'sm-cli-'));
    await mkdir(join(dir, 'in'));
    await sharp(fixture('photos', 'astronaut.png')).removeAlpha().resize(800, 600, { fit: 'fill' }).jpeg().toFile(join(dir, 'in', 'a.jpg'));
    const args = ['run', join(dir, 'in'), '--provider', 'sagemaker', '--endpoint', 'upscaler', '--sagemaker-url', url, '--region', 'us-east-1', '--out', join(dir, 'out'), '--json'];
    const flags = ['--sagemaker-tile', '128', '--sagemaker-tile-overlap', '16', '--sagemaker-concurrency', '3', '--sagemaker-price-per-hour', '1.2', '--sagemaker-instances', '2'];
    const asyncFlags = ['--sagemaker-async', '--async-input', 's3://bench/requests/', '--s3-endpoint', s3url, '--async-timeout', '60'];
    const env = { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_PROFILE: '' };
    const refused = await cliAsync([...args, '--sagemaker-async'], dir, env);
    expect(refused.stderr).toMatch(/--sagemaker-async needs --async-input/);
    const r = await cliAsync([...args, ...flags, ...asyncFlags], dir, env);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.counts).toMatchObject({ ok: 1, errors: 0 });
    expect(summary.sagemaker).toMatchObject({ retrievals: 1, requests_in_flight: 3, price_per_hour: 1.2, instances: 2 });
    expect(summary.sagemaker.invocations).toBe(sm.invocations.filter((i) => i.async).length);
    expect(summary.sagemaker.cost_per_1000_retrievals).toBeGreaterThan(0);
    expect(sm.invocations.every((i) => Math.max(i.width!, i.height!) <= 128)).toBe(true);
    const row = (parse(readFileSync(join(dir, 'out', 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[])[0];
    expect(row.notes).toMatch(new RegExp(`tiles of ≤ 128 px, 16 px overlap, feathered; ${summary.sagemaker.invocations} requests, [\\d.]+ endpoint s`));
  });
});
