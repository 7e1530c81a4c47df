/**
 * An S3 Inventory report as input: how owners of big buckets list them. The report's `manifest.json` (on S3
 * or downloaded) names gzipped CSV data files; their rows are the source bucket's objects. The image objects
 * among them (latest versions, no delete markers) become the input, sampled while the files stream past,
 * so memory stays flat whatever the bucket holds.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { S3Client } from '@aws-sdk/client-s3';
import { type S3Reach, createS3Client, explainS3Error } from '../aws/s3-client.js';
import { s3Sdk } from '../aws/sdk.js';
import { BenchError } from '../errors.js';
import { isImagePath } from '../image/formats.js';
import type { InputItem } from './input-item.js';
import type { ListingIdentity, ListingProgress, ListOptions } from './s3-prefix.js';
import { s3Item } from './s3-prefix.js';
import { Reservoir } from './sample.js';
import { isS3Uri, parseS3Uri, s3Uri } from './s3-uri.js';

/** An Inventory report is named by its manifest; that is how the console and the docs point at one. */
export const isInventoryManifest = (input: string) => /(^|[/\\])manifest\.json$/i.test(input.trim());

interface Manifest {
  sourceBucket: string;
  destinationBucket: string;
  fileFormat: string;
  fileSchema: string;
  files: { key: string }[];
}

/** The images an Inventory report lists; `listing` identifies the population as a prefix's listing does. */
export async function readInventory(input: string, reach: S3Reach, o: Omit<ListOptions, 'pageSize'> = {}): Promise<{ items: InputItem[]; listing: ListingIdentity }> {
  let client: S3Client | undefined;
  const s3 = () => (client ??= createS3Client(reach));
  try {
    const manifest = parseManifest(await readText(input, s3, reach, o.signal), input);
    const cols = schemaColumns(manifest.fileSchema, input);
    const destination = manifest.destinationBucket.replace(/^arn:aws[a-z-]*:s3:::/, '');
    const reservoir = o.sample ? new Reservoir<{ bucket: string; key: string }>(o.sample, (x) => `${x.bucket}/${x.key}`) : undefined;
    const all: { bucket: string; key: string }[] = [];
    const digest = createHash('sha256');
    let objects = 0;
    let images = 0;
    for (const [i, file] of manifest.files.entries()) {
      const stream = await openDataFile(input, destination, file.key, s3, reach, o.signal);
      const rows = stream.pipe(createGunzip()).pipe(parse({ relax_column_count: true }));
      try {
        for await (const r of rows as AsyncIterable<string[]>) {
          if (o.signal?.aborted) throw new BenchError('ERROR_CANCELLED', 'cancelled');
          if (cols.isLatest >= 0 && r[cols.isLatest] === 'false') continue;
          if (cols.isDeleteMarker >= 0 && r[cols.isDeleteMarker] === 'true') continue;
          const key = decodeKey(r[cols.key] ?? '');
          if (!key || key.endsWith('/')) continue;
          objects++;
          if (!isImagePath(key)) continue;
          images++;
          const bucket = r[cols.bucket] || manifest.sourceBucket;
          digest.update(`${bucket}/${key}\0${cols.etag >= 0 ? r[cols.etag] : ''}\n`);
          if (reservoir) reservoir.offer({ bucket, key });
          else all.push({ bucket, key });
        }
      } catch (err) {
        if (err instanceof BenchError) throw err;
        throw new BenchError('ERROR_BAD_SETTINGS', `cannot read the Inventory data file ${file.key}: ${(err as Error).message}`, { cause: err });
      }
      o.onProgress?.({ input, objects, images, done: i === manifest.files.length - 1 });
    }
    const chosen = reservoir ? reservoir.items() : all;
    return { items: chosen.map((c, index) => s3Item(c.bucket, '', c.key, index)), listing: { objects, images, digest: digest.digest('hex') } };
  } finally {
    client?.destroy();
  }
}

function parseManifest(text: string, input: string): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch {
    throw new BenchError('ERROR_BAD_SETTINGS', `${input} is not an S3 Inventory manifest (not JSON)`);
  }
  if (typeof m.sourceBucket !== 'string' || typeof m.destinationBucket !== 'string' || typeof m.fileSchema !== 'string' || !Array.isArray(m.files)) {
    throw new BenchError('ERROR_BAD_SETTINGS', `${input} is not an S3 Inventory manifest (it needs sourceBucket, destinationBucket, fileSchema and files)`);
  }
  if (String(m.fileFormat).toUpperCase() !== 'CSV') {
    throw new BenchError('ERROR_BAD_SETTINGS', `${input} is an S3 Inventory report in ${m.fileFormat} format; only CSV reports can be read (choose CSV as the report's output format)`);
  }
  return m as Manifest;
}

/** Column positions from the manifest's `fileSchema` ("Bucket, Key, VersionId, IsLatest, …"). */
function schemaColumns(schema: string, input: string) {
  const names = schema.split(',').map((s) => s.trim().toLowerCase());
  const at = (n: string) => names.indexOf(n);
  const cols = { bucket: at('bucket'), key: at('key'), isLatest: at('islatest'), isDeleteMarker: at('isdeletemarker'), etag: at('etag') };
  if (cols.key < 0) throw new BenchError('ERROR_BAD_SETTINGS', `${input}: the report's fileSchema has no Key column`);
  return cols;
}

/** Inventory CSVs URL-encode keys, a space as '+'. */
const decodeKey = (k: string) => {
  try {
    return decodeURIComponent(k.replace(/\+/g, ' '));
  } catch {
    return k;
  }
};

async function readText(input: string, s3: () => S3Client, reach: S3Reach, signal?: AbortSignal): Promise<string> {
  if (!isS3Uri(input)) {
    return readFile(resolve(input), 'utf8').catch((err) => {
      throw new BenchError('ERROR_BAD_SETTINGS', `cannot read ${input}: ${(err as Error).message}`);
    });
  }
  const { bucket, key } = parseS3Uri(input);
  try {
    const res = await s3().send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return await (res.Body as { transformToString(): Promise<string> }).transformToString();
  } catch (err) {
    throw explainS3Error(err, `read ${input}`, { bucket, ...reach }, 's3:GetObject');
  }
}

/**
 * A data file: beside a downloaded manifest (the report's `data/` folder, as `aws s3 sync` lays it out), else
 * from the destination bucket where the report was delivered.
 */
async function openDataFile(input: string, destination: string, key: string, s3: () => S3Client, reach: S3Reach, signal?: AbortSignal): Promise<Readable> {
  if (!isS3Uri(input)) {
    const local = [join(dirname(resolve(input)), '..', 'data', basename(key)), join(dirname(resolve(input)), basename(key))].find((p) => existsSync(p));
    if (local) return createReadStream(local);
  }
  try {
    const res = await s3().send(new (s3Sdk().GetObjectCommand)({ Bucket: destination, Key: key }), { abortSignal: signal });
    return res.Body as Readable;
  } catch (err) {
    throw explainS3Error(err, `read the Inventory data file ${s3Uri(destination, key)}`, { bucket: destination, ...reach }, 's3:GetObject');
  }
}

export type { ListingProgress };
