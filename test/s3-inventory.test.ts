/**
 * An S3 Inventory report as input, through the real SDK against s3rver: the manifest on S3 and a downloaded
 * one beside its data/ folder, gzipped CSV data files in the report's own quoting and key encoding, old
 * versions and delete markers left out, seeded samples, formats it cannot read refused in words, and the
 * source bucket untouched by a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { parse } from 'csv-parse/sync';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../main/core/aws/s3-client.js';
import { isInventoryManifest, readInventory } from '../main/core/inputs/s3-inventory.js';
import { resolveInput } from '../main/core/inputs/resolve-input.js';
import { S3Standin, S3RVER_CREDENTIALS } from './servers/s3-standin.js';
import { cliAsync } from './helpers/cli.js';

const png = (i: number) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: (i * 37) % 256, g: (i * 11) % 256, b: 90 } } }).png().toBuffer();

/** One row as S3 Inventory writes it: every field quoted, the key URL-encoded with '+' for a space. */
const enc = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
const row = (key: string, o: { latest?: boolean; deleteMarker?: boolean; etag?: string } = {}) =>
  ['corpus', enc(key), 'v1', String(o.latest ?? true), String(o.deleteMarker ?? false), '100', '2026-11-30T10:00:00.000Z', o.etag ?? 'abc', 'STANDARD']
    .map((f) => `"${f}"`)
    .join(',');
const SCHEMA = 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass';

describe('S3 Inventory manifest as input', () => {
  const s3 = new S3Standin(['corpus', 'inventory', 'bench']);
  let url: string;
  let client: S3Client;
  let work: string;
  const images: string[] = [];
  const reach = () => ({ endpoint: url, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
  const put = (Bucket: string, Key: string, Body: Buffer | string, ContentType?: string) => client.send(new PutObjectCommand({ Bucket, Key, Body, ContentType }));
  const keysOf = async (bucket: string) => ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => `${o.Key} ${o.ETag}`).sort();
  const MANIFEST = 's3://inventory/corpus/all/2026-11-30T01-00Z/manifest.json';

  beforeAll(async () => {
    url = await s3.start();
    client = createS3Client(reach());
    work = await mkdtemp(join(tmpdir(), 's3-inventory-'));
    const rows1: string[] = [];
    const rows2: string[] = [];
    for (let i = 0; i < 40; i++) {
      const key = i === 7 ? 'shots/über café/crème brûlée+1.png' : `${i % 2 ? 'shots' : 'photos'}/img ${String(i).padStart(2, '0')}.png`;
      images.push(`s3://corpus/${key}`);
      await put('corpus', key, await png(i), 'image/png');
      (i < 20 ? rows1 : rows2).push(row(key));
      if (i % 5 === 0) (i < 20 ? rows1 : rows2).push(row(`docs/readme-${i}.txt`));
    }
    // an old version, a deleted object and a folder marker: the report lists them, a run must not
    rows1.push(row('photos/old.png', { latest: false }), row('photos/gone.png', { deleteMarker: true }), row('photos/'));
    const files = [
      { key: 'corpus/all/data/part-1.csv.gz', body: gzipSync(rows1.join('\n') + '\n') },
      { key: 'corpus/all/data/part-2.csv.gz', body: gzipSync(rows2.join('\n') + '\n') },
    ];
    for (const f of files) await put('inventory', f.key, f.body);
    const manifest = { sourceBucket: 'corpus', destinationBucket: 'arn:aws:s3:::inventory', version: '2016-11-30', fileFormat: 'CSV', fileSchema: SCHEMA, files: files.map((f) => ({ key: f.key, size: f.body.length, MD5checksum: 'x' })) };
    await put('inventory', 'corpus/all/2026-11-30T01-00Z/manifest.json', JSON.stringify(manifest));
    // the same report downloaded with `aws s3 sync`: manifest in its dated folder, data files in data/
    await mkdir(join(work, 'report', '2026-11-30T01-00Z'), { recursive: true });
    await mkdir(join(work, 'report', 'data'));
    await writeFile(join(work, 'report', '2026-11-30T01-00Z', 'manifest.json'), JSON.stringify(manifest));
    for (const f of files) await writeFile(join(work, 'report', 'data', f.key.split('/').pop()!), f.body);
    await writeFile(join(work, 'orc-manifest.json'), JSON.stringify({ ...manifest, fileFormat: 'ORC' }));
    await mkdir(join(work, 'orc'));
    await writeFile(join(work, 'orc', 'manifest.json'), JSON.stringify({ ...manifest, fileFormat: 'ORC' }));
    await mkdir(join(work, 'notjson'));
    await writeFile(join(work, 'notjson', 'manifest.json'), 'this is not JSON');
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await s3.destroy();
  });

  it('reads every image the report lists, decoding keys, without old versions, delete markers or other objects', async () => {
    expect(isInventoryManifest(MANIFEST) && isInventoryManifest('C:\\r\\manifest.json') && !isInventoryManifest('s3://b/manifest.json.bak')).toBe(true);
    const progress: number[] = [];
    const { items, listing } = await readInventory(MANIFEST, reach(), { onProgress: (p) => progress.push(p.images) });
    expect(items.map((i) => i.path).sort()).toEqual([...images].sort());
    expect(items.find((i) => i.path.includes('über'))).toMatchObject({ s3: { bucket: 'corpus', key: 'shots/über café/crème brûlée+1.png' }, rel: 'shots/über café/crème brûlée+1.png' });
    expect(listing).toMatchObject({ objects: 48, images: 40 });
    expect(progress).toEqual([20, 40]); // one report per data file
    // a downloaded report reads the same, from its data/ folder
    const local = await readInventory(join(work, 'report', '2026-11-30T01-00Z', 'manifest.json'), {});
    expect(local.items.map((i) => i.path)).toEqual(items.map((i) => i.path));
    expect(local.listing.digest).toBe(listing.digest);
  });

  it('samples while reading: the same seed picks the same images, another seed others', async () => {
    const a = await resolveInput(MANIFEST, { s3: reach(), sample: { n: 7, seed: 7 } });
    const b = await resolveInput(join(work, 'report', '2026-11-30T01-00Z', 'manifest.json'), { sample: { n: 7, seed: 7 } });
    const c = await resolveInput(MANIFEST, { s3: reach(), sample: { n: 7, seed: 8 } });
    expect(a.items).toHaveLength(7);
    expect(b.items.map((i) => i.path)).toEqual(a.items.map((i) => i.path));
    expect(c.items.map((i) => i.path)).not.toEqual(a.items.map((i) => i.path));
  });

  it('refuses a report it cannot read, in words', async () => {
    await expect(readInventory(join(work, 'orc', 'manifest.json'), {})).rejects.toThrow(/S3 Inventory report in ORC format; only CSV reports can be read/);
    await expect(readInventory(join(work, 'notjson', 'manifest.json'), {})).rejects.toThrow(/is not an S3 Inventory manifest \(not JSON\)/);
    await expect(readInventory('s3://inventory/nowhere/manifest.json', reach())).rejects.toThrow(/nowhere\/manifest\.json/);
  });

  it('`run s3://…/manifest.json --sample 5 --seed 7` twice runs the same five images, and the source bucket is unchanged', async () => {
    const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' };
    const before = await keysOf('corpus');
    const args = (out: string) => ['run', MANIFEST, '--sample', '5', '--seed', '7', '--provider', 'bicubic', '--s3-endpoint', url, '--store', 's3', '--bucket', 'bench', '--prefix', out, '--out', join(work, out)];
    const rowsOf = async (out: string) => parse(await readFile(join(work, out, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const one = await cliAsync(args('inv-1'), work, env);
    expect(one.status, one.stderr).toBe(0);
    const two = await cliAsync(args('inv-2'), work, env);
    expect(two.status, two.stderr).toBe(0);
    const first = await rowsOf('inv-1');
    expect(first.map((r) => r.status)).toEqual(Array(5).fill('ok'));
    expect(first.every((r) => images.includes(r.image_path))).toBe(true);
    expect((await rowsOf('inv-2')).map((r) => r.image_path)).toEqual(first.map((r) => r.image_path));
    const sampled = (await resolveInput(MANIFEST, { s3: reach(), sample: { n: 5, seed: 7 } })).items.map((i) => i.path);
    expect(first.map((r) => r.image_path)).toEqual(sampled);
    expect(await keysOf('corpus')).toEqual(before);
  }, 300_000);
});
