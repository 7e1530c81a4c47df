/**
 * s3://bucket/prefix as input, through the real SDK against s3rver on loopback: a listing over many pages,
 * image objects by extension and Content-Type, a denied and a missing object as error rows, seeded samples,
 * and the input prefix unchanged afterwards (keys and ETags compared).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { parse } from 'csv-parse/sync';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../main/core/aws/s3-client.js';
import { S3InputReader, listS3Images, type ListingProgress } from '../main/core/inputs/s3-prefix.js';
import { resolveInput } from '../main/core/inputs/resolve-input.js';
import { sampleOf } from '../main/core/inputs/sample.js';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings, type RunSettings } from '../main/core/pipeline/settings.js';
import { S3Standin, S3RVER_CREDENTIALS } from './servers/s3-standin.js';
import { cliAsync } from './helpers/cli.js';
import { testHandlers } from './helpers/host.js';
import { dispatch } from '../main/ipc/dispatch.js';

const PNGS = 300;
const OTHERS = 2_200;
const UNICODE_KEY = 'photos/über café/crème brûlée 1.png';

/** A 16×16 PNG that differs from every other one (its own ETag). */
const png = (i: number) =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i % 256, g: (i * 7) % 256, b: (i * 13) % 256 } } })
    .png()
    .toBuffer();

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** Every key under the prefix with its ETag and size: what "unchanged" is checked against. */
async function snapshot(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push(`${o.Key} ${o.ETag} ${o.Size}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

describe('s3:// input against s3rver', () => {
  const s3 = new S3Standin(['corpus', 'bench']);
  let url: string;
  let client: S3Client;
  let work: string;
  const imageKeys: string[] = [];
  let before: string[];
  const reach = () => ({ endpoint: url, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
  const put = (Key: string, Body: Buffer | string, ContentType?: string) => client.send(new PutObjectCommand({ Bucket: 'corpus', Key, Body, ContentType }));

  beforeAll(async () => {
    url = await s3.start();
    client = createS3Client(reach());
    work = await mkdtemp(join(tmpdir(), 's3-input-'));
    // 2,500 objects: a PNG every ~8 keys among text, JSON and CSV files, in folders of 100 keys
    const jobs: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < PNGS + OTHERS; i++) {
      const folder = `photos/f${String(Math.floor(i / 100)).padStart(2, '0')}`;
      if (i % 8 === 0 && imageKeys.length < PNGS) {
        const key = `${folder}/img-${String(i).padStart(4, '0')}.${i % 16 === 0 ? 'PNG' : 'png'}`;
        imageKeys.push(key);
        jobs.push(async () => put(key, await png(i), 'image/png'));
      } else {
        const ext = ['txt', 'json', 'csv'][i % 3];
        jobs.push(() => put(`${folder}/doc-${String(i).padStart(4, '0')}.${ext}`, `object ${i}`, 'text/plain'));
      }
    }
    imageKeys.push(UNICODE_KEY);
    jobs.push(async () => put(UNICODE_KEY, await png(9999), 'image/png'));
    await pool(jobs, 12, async (job) => void (await job()));
    // the edge cases, in a prefix of their own
    await put('edge/good.png', await png(1), 'image/png');
    await put('edge/denied.png', await png(2), 'image/png');
    await put('edge/says-text.png', await png(3), 'text/plain');
    await put('edge/fake.jpg', 'no JPEG here', 'image/jpeg');
    await put('edge/untyped.png', await png(4));
    await put('edge/sub dir/ünï.png', await png(5), 'image/png');
    s3.denyRead('corpus', 'edge/denied.png');
    before = await snapshot(client, 'corpus', '');
  }, 240_000);
  afterAll(async () => {
    client?.destroy();
    await s3.destroy();
  });

  it('lists a prefix of 2,501 objects over many pages, taking images by extension, with progress on every page', async () => {
    const progress: ListingProgress[] = [];
    const { items, listing } = await listS3Images('s3://corpus/photos', reach(), { pageSize: 97, onProgress: (p) => progress.push(p) });
    expect(items.map((i) => i.source).sort()).toEqual(imageKeys.map((k) => `s3://corpus/${k}`).sort());
    expect(listing.objects).toBe(PNGS + OTHERS + 1);
    expect(listing.images).toBe(imageKeys.length);
    expect(progress.length).toBe(Math.ceil(listing.objects / 97));
    expect(progress.every((p, i) => i === 0 || p.objects > progress[i - 1].objects)).toBe(true);
    expect(progress.map((p) => p.done)).toEqual([...Array(progress.length - 1).fill(false), true]);
    const unicode = items.find((i) => i.s3?.key === UNICODE_KEY)!;
    expect(unicode).toMatchObject({ path: `s3://corpus/${UNICODE_KEY}`, rel: 'über café/crème brûlée 1.png' });
    // "photos" is a folder: a sibling prefix that merely starts with the same letters is not listed
    await put('photos-old/x.png', await png(7), 'image/png');
    expect((await listS3Images('s3://corpus/photos', reach())).items.some((i) => i.source.includes('photos-old'))).toBe(false);
    await client.send(new DeleteObjectCommand({ Bucket: 'corpus', Key: 'photos-old/x.png' }));
  }, 120_000);

  it('samples while listing: the same seed picks the same images, whatever the page size, and the sample is the full list sampled', async () => {
    const a = await listS3Images('s3://corpus/photos', reach(), { sample: { n: 50, seed: 7 }, pageSize: 97 });
    const b = await listS3Images('s3://corpus/photos', reach(), { sample: { n: 50, seed: 7 }, pageSize: 1000 });
    const c = await listS3Images('s3://corpus/photos', reach(), { sample: { n: 50, seed: 8 } });
    expect(a.items).toHaveLength(50);
    expect(a.items.map((i) => i.source)).toEqual(b.items.map((i) => i.source));
    expect(a.items.map((i) => i.source)).not.toEqual(c.items.map((i) => i.source));
    const all = await listS3Images('s3://corpus/photos', reach());
    expect(a.items.map((i) => i.source)).toEqual(sampleOf(all.items, { n: 50, seed: 7 }, (i) => i.rel).map((i) => i.source));
    expect(a.items.map((i) => i.index)).toEqual([...Array(50).keys()]);
    expect(a.listing).toEqual(all.listing);
  }, 120_000);

  it('reads objects as rows: a denied, a missing, a text and a fake image are error rows; the rest are scored', async () => {
    const csv = join(work, 'mixed.csv');
    const local = join(work, 'local.png');
    await writeFile(local, await png(11));
    await writeFile(csv, `image_path\n${local}\ns3://corpus/edge/good.png\ns3://corpus/edge/gone.png\n`);
    const edge = await run(settings('s3://corpus/edge', 'edge-run'));
    const rows = byName(await rowsOf(join(work, 'edge-run')));
    expect(rows['s3://corpus/edge/good.png']).toMatchObject({ status: 'ok', stored_key: 'good.png' });
    expect(rows['s3://corpus/edge/untyped.png'].status).toBe('ok');
    expect(rows['s3://corpus/edge/sub dir/ünï.png']).toMatchObject({ status: 'ok', stored_key: 'sub dir/ünï.png' });
    expect(rows['s3://corpus/edge/sub dir/ünï.png'].upscaled_path).toBe(join(work, 'edge-run', 'upscaled', 'bicubic', 'sub dir', 'ünï.png'));
    expect(rows['s3://corpus/edge/denied.png']).toMatchObject({ status: 'error', error_code: 'ERROR_INPUT_UNREADABLE', error: 'access denied to s3://corpus/edge/denied.png (the credentials lack s3:GetObject on it)' });
    expect(rows['s3://corpus/edge/says-text.png']).toMatchObject({ status: 'error', error_code: 'ERROR_NOT_AN_IMAGE', error: 'not an image: s3://corpus/edge/says-text.png has Content-Type text/plain' });
    expect(rows['s3://corpus/edge/fake.jpg']).toMatchObject({ status: 'error', error_code: 'ERROR_NOT_AN_IMAGE' });
    expect(edge.counts).toMatchObject({ inputs: 6, ok: 3, errors: 3 });

    // a CSV mixing a local path and S3 URIs, one of them for an object that is not there (deleted since it was listed)
    await run(settings(csv, 'csv-run'));
    const mixed = byName(await rowsOf(join(work, 'csv-run')));
    expect(mixed[local].status).toBe('ok');
    expect(mixed['s3://corpus/edge/good.png'].status).toBe('ok');
    expect(mixed['s3://corpus/edge/gone.png']).toMatchObject({ status: 'error', error_code: 'ERROR_INPUT_MISSING', error: 'no object s3://corpus/edge/gone.png (deleted since it was listed?)' });

    // an S3 Inventory data file: headerless bucket,key,… rows with URL-encoded keys; non-images left out
    const inventory = join(work, 'inventory.csv');
    await writeFile(inventory, '"corpus","edge/good.png","1234","etag"\n"corpus","edge/sub+dir/%C3%BCn%C3%AF.png","99","etag"\n"corpus","photos/f00/doc-0001.txt","8","etag"\n');
    const listed = await resolveInput(inventory);
    expect(listed.items.map((i) => [i.source, i.rel])).toEqual([['s3://corpus/edge/good.png', 'good.png'], ['s3://corpus/edge/sub dir/ünï.png', 'sub dir/ünï.png']]);
    expect((await run(settings(inventory, 'inventory-run'))).counts).toMatchObject({ inputs: 2, ok: 2, errors: 0 });
  }, 120_000);

  it('refuses an object above --max-pixels from its header, before the rest of it is downloaded', async () => {
    // 512×512 of noise: a PNG of ~790 kB, so its header is looked at after the first 256 kB arrive
    const noise = randomBytes(512 * 512 * 3);
    const big = await sharp(noise, { raw: { width: 512, height: 512, channels: 3 } }).png().toBuffer();
    expect(big.length).toBeGreaterThan(512 * 1024);
    await put('bombs/noise.png', big, 'image/png');
    const reader = new S3InputReader(reach());
    try {
      // read() itself never decodes: only the check on the stream's head can refuse it
      await expect(reader.read({ bucket: 'corpus', key: 'bombs/noise.png' }, 100_000)).rejects.toMatchObject({ code: 'ERROR_IMAGE_TOO_LARGE', message: expect.stringMatching(/^image is 512×512 \(0\.3 MP\), above the/) });
      expect((await reader.read({ bucket: 'corpus', key: 'bombs/noise.png' }, 512 * 512)).equals(big)).toBe(true);
    } finally {
      reader.destroy();
    }
    await client.send(new DeleteObjectCommand({ Bucket: 'corpus', Key: 'bombs/noise.png' }));
  });

  it('refuses, in words, a store that would write under the input prefix', async () => {
    const s = { ...settings('s3://corpus/photos', 'overlap'), store: { kind: 's3' as const, bucket: 'corpus', prefix: 'photos/runs', endpoint: url } };
    await expect(runBatch(s, { access: { keys: S3RVER_CREDENTIALS } })).rejects.toThrow(
      'the S3 store s3://corpus/photos/runs/ overlaps the input s3://corpus/photos: a run never writes where it reads; choose another --prefix or --bucket for the store',
    );
    const csv = join(work, 'inside-store.csv');
    await writeFile(csv, 's3://corpus/edge/good.png\n');
    await expect(runBatch({ ...settings(csv, 'overlap-csv'), store: { kind: 's3', bucket: 'corpus', prefix: 'edge', endpoint: url } }, { access: { keys: S3RVER_CREDENTIALS } })).rejects.toThrow(
      /the S3 store s3:\/\/corpus\/edge\/ holds an input image \(s3:\/\/corpus\/edge\/good\.png\)/,
    );
  });

  it('`run s3://…/photos --sample 50 --seed 7` twice picks the same 50 images, a resume reads the recorded picks, and the source prefix is never touched', async () => {
    const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' };
    const args = (out: string) => ['run', 's3://corpus/photos', '--sample', '50', '--seed', '7', '--provider', 'bicubic', '--s3-endpoint', url, '--store', 's3', '--bucket', 'bench', '--prefix', out, '--out', join(work, out)];
    const one = await cliAsync(args('cli-1'), work, env);
    expect(one.stderr).toMatch(/listing s3:\/\/corpus\/photos: 2,501 objects, 301 images\n/);
    expect(one.status, one.stderr).toBe(0);
    const two = await cliAsync(args('cli-2'), work, env);
    expect(two.status, two.stderr).toBe(0);
    const picked = async (out: string) => (await rowsOf(join(work, out))).map((r) => r.image_path);
    const first = await picked('cli-1');
    expect(first).toHaveLength(50);
    expect(new Set(first).size).toBe(50);
    expect(await picked('cli-2')).toEqual(first);
    const recorded = JSON.parse(await readFile(join(work, 'cli-1', 'settings.json'), 'utf8'));
    expect(recorded.sample).toMatchObject({ n: 50, seed: 7, chosen: first, listing: { objects: 2501, images: 301 } });
    expect(recorded.inputS3).toEqual({ endpoint: url });

    // an interrupted run (its last 20 rows gone) resumes from its recorded picks without listing again
    const csvPath = join(work, 'cli-1', 'testResults.csv');
    const lines = (await readFile(csvPath, 'utf8')).trimEnd().split('\n');
    await writeFile(csvPath, `${lines.slice(0, 31).join('\n')}\n`);
    const resumed = await cliAsync(['run', '--resume', join(work, 'cli-1')], work, env);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toMatch(/listing s3:/);
    expect(resumed.stderr).toMatch(/30 images kept/);
    expect(await picked('cli-1')).toEqual(first);

    // nothing under the source bucket changed: same keys, same ETags, same sizes (the store wrote to 'bench')
    expect(await snapshot(client, 'corpus', '')).toEqual(before);
    expect((await snapshot(client, 'bench', 'cli-1/')).length).toBe(50);
  }, 300_000);

  it('the app lists a prefix through input:bucket-prefix, then runs a sample of it with the listing shown', async () => {
    const { handlers, events, ended } = await testHandlers();
    // a fresh object: the SDK marks the credentials objects it was given ($source)
    expect(await dispatch(handlers, 'aws:set-keys', { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })).toMatchObject({ ok: true });
    expect(await dispatch(handlers, 'input:bucket-prefix', { uri: 's3://corpus/photos', s3Endpoint: url })).toEqual({ ok: true, data: { path: 's3://corpus/photos', kind: 's3', count: 301 } });
    expect(await dispatch(handlers, 'input:bucket-prefix', { uri: 's3://Bad_Bucket/x' })).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION', message: 'The S3 prefix: it looks like s3://bucket/photos.' } });
    const started = await dispatch(handlers, 'run:start', { input: 's3://corpus/photos', providers: ['bicubic'], sample: { n: 5, seed: 7 }, s3Endpoint: url });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const { jobId, runId } = (started as { data: { jobId: string; runId: string } }).data;
    expect(await ended(jobId)).toMatchObject({ status: 'completed' });
    expect(events.filter((e) => e.type === 'listing').at(-1)).toMatchObject({ jobId, objects: 2501, images: 301, done: true });
    const rows = (await dispatch(handlers, 'runs:open', { runId })) as { data: { rows: { image_path: string }[] } };
    const paths = rows.data.rows.map((r) => r.image_path);
    expect(paths).toHaveLength(5);
    // the 5 lowest ranks for seed 7 are among its 50 lowest
    const fifty = (await listS3Images('s3://corpus/photos', reach(), { sample: { n: 50, seed: 7 } })).items.map((i) => i.source);
    expect(paths.every((p) => fifty.includes(p))).toBe(true);
    // the viewer reads an S3 original as the run did
    expect(await dispatch(handlers, 'image:read', { runId, row: 0, which: 'original' })).toMatchObject({ ok: true });
  }, 120_000);

  it('samples a folder and a CSV with the same seed the same way', async () => {
    const dir = join(work, 'folder');
    for (let i = 0; i < 40; i++) {
      await mkdir(join(dir, `d${i % 4}`), { recursive: true });
      await writeFile(join(dir, `d${i % 4}`, `p${i}.png`), await png(i));
    }
    const a = await resolveInput(dir, { sample: { n: 10, seed: 3 } });
    const b = await resolveInput(dir, { sample: { n: 10, seed: 3 } });
    expect(a.items.map((i) => i.rel)).toEqual(b.items.map((i) => i.rel));
    expect(a.items).toHaveLength(10);
    expect(a.items.map((i) => i.index)).toEqual([...Array(10).keys()]);
    const csv = join(work, 'folder.csv');
    const all = (await resolveInput(dir)).items;
    await writeFile(csv, `image_path\n${all.map((i) => i.path).join('\n')}\n`);
    expect((await resolveInput(csv, { sample: { n: 10, seed: 3 } })).items.map((i) => i.path)).toEqual(a.items.map((i) => i.path));
    expect((await resolveInput(dir, { sample: { n: 100, seed: 3 } })).items).toHaveLength(40);
  });

  const run = (s: RunSettings) => runBatch(s, { access: { keys: S3RVER_CREDENTIALS } });
  function settings(input: string, out: string): RunSettings {
    return { ...defaultSettings(input), out: join(work, out), providers: [{ name: 'bicubic' }], concurrency: 2, inputS3: { endpoint: url, region: 'us-east-1' } };
  }
  async function rowsOf(dir: string): Promise<Record<string, string>[]> {
    return parse(await readFile(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  }
  const byName = (rows: Record<string, string>[]) => Object.fromEntries(rows.map((r) => [r.image_path, r]));
});
