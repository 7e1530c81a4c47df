import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { type S3Reach, createS3Client, explainS3Error } from '../aws/s3-client.js';
import { s3Sdk } from '../aws/sdk.js';
import { BenchError } from '../errors.js';
import { isImagePath } from '../image/formats.js';
import { probeImage } from '../image/read.js';
import type { InputItem } from './input-item.js';
import { Reservoir, type SampleSpec } from './sample.js';
import { asFolderPrefix, parseS3Uri, s3Uri } from './s3-uri.js';

/** Shown while a prefix is listed: "listing s3://…: 12,000 objects, 3,400 images". */
export interface ListingProgress {
  input: string;
  objects: number;
  images: number;
  done: boolean;
}

/** What was listed, recorded in settings.json: a re-run whose listing differs is not the same population. */
export interface ListingIdentity {
  objects: number;
  images: number;
  /** sha256 over every image object's key and ETag, in listing order. */
  digest: string;
}

export interface ListOptions {
  sample?: SampleSpec;
  onProgress?: (p: ListingProgress) => void;
  /** Keys per ListObjectsV2 page (S3's own limit, 1000, by default). */
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * The image objects under an s3:// prefix, by extension, page by page. With a sample only the reservoir's N
 * are held, so memory stays flat however many objects the prefix has. Each item's `rel` is its key below the
 * prefix, as a folder's is its path below the folder.
 */
export async function listS3Images(uri: string, reach: S3Reach, o: ListOptions = {}): Promise<{ items: InputItem[]; listing: ListingIdentity }> {
  const { bucket, key } = parseS3Uri(uri);
  const prefix = asFolderPrefix(key);
  const client = createS3Client(reach);
  const { ListObjectsV2Command } = s3Sdk();
  const all: { key: string }[] = [];
  // ranked by the path below the prefix, as a folder's images are by theirs below the folder
  const reservoir = o.sample ? new Reservoir<{ key: string }>(o.sample, (x) => x.key.slice(prefix.length)) : undefined;
  const digest = createHash('sha256');
  let objects = 0;
  let images = 0;
  let token: string | undefined;
  try {
    do {
      const page = await client
        .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token, MaxKeys: o.pageSize }), { abortSignal: o.signal })
        .catch((err) => {
          throw explainS3Error(err, `list ${uri}`, { bucket, ...reach }, 's3:ListBucket');
        });
      for (const obj of page.Contents ?? []) {
        if (!obj.Key || obj.Key.endsWith('/')) continue; // a console "folder" marker
        objects++;
        if (!isImagePath(obj.Key)) continue;
        images++;
        digest.update(`${obj.Key}\0${obj.ETag ?? ''}\n`);
        if (reservoir) reservoir.offer({ key: obj.Key });
        else all.push({ key: obj.Key });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      o.onProgress?.({ input: uri, objects, images, done: !token });
    } while (token);
  } finally {
    client.destroy();
  }
  const chosen = reservoir ? reservoir.items() : all;
  return { items: chosen.map((c, index) => s3Item(bucket, prefix, c.key, index)), listing: { objects, images, digest: digest.digest('hex') } };
}

export function s3Item(bucket: string, prefix: string, key: string, index: number): InputItem {
  const uri = s3Uri(bucket, key);
  return { index, source: uri, path: uri, rel: key.slice(prefix.length), s3: { bucket, key } };
}

/** Bytes read before the header is looked at, so a pixel bomb is refused without downloading it. */
const HEAD_BYTES = 256 * 1024;

/**
 * Reads originals with GetObject as streams: one client for the run, nothing ever written. An object whose
 * Content-Type says it is not an image is refused before its body is read; one whose header is above
 * --max-pixels is refused after its first 256 kB.
 */
export class S3InputReader {
  private client?: S3Client;

  constructor(private readonly reach: S3Reach) {}

  async read(loc: { bucket: string; key: string }, maxPixels: number, signal?: AbortSignal): Promise<Buffer> {
    this.client ??= createS3Client(this.reach);
    const uri = s3Uri(loc.bucket, loc.key);
    let res;
    try {
      res = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: signal });
    } catch (err) {
      throw inputError(err, uri, { bucket: loc.bucket, ...this.reach });
    }
    const body = res.Body as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    const type = (res.ContentType ?? '').split(';')[0].trim().toLowerCase();
    if (type && !type.startsWith('image/') && !NEUTRAL_TYPES.includes(type)) {
      body?.destroy?.();
      throw new BenchError('ERROR_NOT_AN_IMAGE', `not an image: ${uri} has Content-Type ${type}`);
    }
    if (!body) throw new BenchError('ERROR_INPUT_UNREADABLE', `S3 returned no body for ${uri}`);
    const chunks: Buffer[] = [];
    let size = 0;
    let probed = false;
    try {
      for await (const chunk of body) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (!probed && size >= HEAD_BYTES) {
          probed = true;
          await refuseBomb(Buffer.concat(chunks), maxPixels, body);
        }
      }
    } catch (err) {
      if (err instanceof BenchError) throw err;
      throw inputError(err, uri, { bucket: loc.bucket, ...this.reach });
    }
    return Buffer.concat(chunks, size);
  }

  destroy(): void {
    this.client?.destroy();
  }
}

/** Types S3 gives objects uploaded without one; the bytes decide. */
const NEUTRAL_TYPES = ['application/octet-stream', 'binary/octet-stream'];

async function refuseBomb(head: Buffer, maxPixels: number, body: { destroy?: () => void }): Promise<void> {
  const meta = await sharp(head, { limitInputPixels: false }).metadata().catch(() => null);
  if (meta?.width && meta.height && meta.width * meta.height > maxPixels) {
    body.destroy?.();
    await probeImage(head, maxPixels); // throws its own sentence, the one a local file gets
  }
}

function inputError(err: unknown, uri: string, where: { bucket: string } & S3Reach): BenchError {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchKey' || status === 404) return new BenchError('ERROR_INPUT_MISSING', `no object ${uri} (deleted since it was listed?)`, { cause: err });
  if (e.name === 'AccessDenied' || status === 403) return new BenchError('ERROR_INPUT_UNREADABLE', `access denied to ${uri} (the credentials lack s3:GetObject on it)`, { cause: err });
  const explained = explainS3Error(err, `fetch ${uri}`, where, 's3:GetObject');
  return explained.code === 'ERROR_STORE' ? new BenchError('ERROR_INPUT_UNREADABLE', explained.message, { cause: err }) : explained;
}
