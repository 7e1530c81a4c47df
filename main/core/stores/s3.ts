import type { S3Client } from '@aws-sdk/client-s3';
import { type S3Reach, createS3Client, explainS3Error } from '../aws/s3-client.js';
import { s3Sdk } from '../aws/sdk.js';
import { BenchError } from '../errors.js';
import { BUCKET_NAME } from '../inputs/s3-uri.js';
import { type ImageStore, type StoredImageInfo, assertSafeKey, infoFromMetadata, infoToMetadata, joinKey } from './image-store.js';

export interface S3StoreOptions extends S3Reach {
  bucket: string;
  prefix?: string;
}

export class S3Store implements ImageStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly sdk: ReturnType<typeof s3Sdk>;

  constructor(private readonly opts: S3StoreOptions) {
    if (!BUCKET_NAME.test(opts.bucket)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `'${opts.bucket}' is not a valid S3 bucket name`);
    }
    this.sdk = s3Sdk();
    this.client = createS3Client(opts);
  }

  describe(): string {
    return `s3://${this.opts.bucket}${this.opts.prefix ? `/${this.opts.prefix.replace(/^\/+|\/+$/g, '')}` : ''}`;
  }

  locationOf(key: string): string {
    assertSafeKey(key);
    return `s3://${this.opts.bucket}/${joinKey(this.opts.prefix, key)}`;
  }

  async put(key: string, bytes: Buffer, contentType: string, signal?: AbortSignal, info?: StoredImageInfo): Promise<void> {
    assertSafeKey(key);
    try {
      await this.client.send(
        new this.sdk.PutObjectCommand({
          Bucket: this.opts.bucket,
          Key: joinKey(this.opts.prefix, key),
          Body: bytes,
          ContentType: contentType,
          // x-amz-meta-original-width etc.: how the key was stored travels with the object
          ...(info ? { Metadata: infoToMetadata(info) } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      throw this.explain(err, `upload ${key}`);
    }
  }

  async get(key: string, signal?: AbortSignal): Promise<Buffer> {
    assertSafeKey(key);
    try {
      const res = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.opts.bucket, Key: joinKey(this.opts.prefix, key) }), {
        abortSignal: signal,
      });
      if (!res.Body) throw new Error('empty response body');
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      throw this.explain(err, `fetch ${key}`);
    }
  }

  async info(key: string, signal?: AbortSignal): Promise<StoredImageInfo | undefined> {
    assertSafeKey(key);
    try {
      const res = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.opts.bucket, Key: joinKey(this.opts.prefix, key) }), { abortSignal: signal });
      return infoFromMetadata(res.Metadata);
    } catch (err) {
      throw this.explain(err, `fetch ${key}`);
    }
  }

  async check(signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.opts.bucket }), { abortSignal: signal });
    } catch (err) {
      throw this.explain(err, 'reach the bucket');
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  private explain(err: unknown, action: string): BenchError {
    return explainS3Error(err, action, this.opts);
  }
}
