import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { httpHandlerSdk, s3Sdk } from '../aws/sdk.js';
import { BenchError } from '../errors.js';
import { type ImageStore, type StoredImageInfo, assertSafeKey, infoFromMetadata, infoToMetadata, joinKey } from './image-store.js';

export interface S3StoreOptions {
  bucket: string;
  prefix?: string;
  region?: string;
  /** An S3-compatible endpoint (MinIO, s3rver, …); path-style addressing is used with it. */
  endpoint?: string;
  /** Only for tests and explicit user input; normally the SDK's default chain (env, profile, SSO) supplies them. */
  credentials?: S3ClientConfig['credentials'];
  maxAttempts?: number;
}

export class S3Store implements ImageStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly sdk: ReturnType<typeof s3Sdk>;

  constructor(private readonly opts: S3StoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(opts.bucket)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `'${opts.bucket}' is not a valid S3 bucket name`);
    }
    this.sdk = s3Sdk();
    const { NodeHttpHandler } = httpHandlerSdk();
    this.client = new this.sdk.S3Client({
      region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      endpoint: opts.endpoint,
      forcePathStyle: Boolean(opts.endpoint),
      credentials: opts.credentials,
      maxAttempts: opts.maxAttempts ?? 3,
      // Several S3-compatible stores keep aws-chunked framing inside the object; checksums only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 120_000, throwOnRequestTimeout: true }),
    });
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

  /** Turns SDK errors into a sentence an analyst can act on. */
  private explain(err: unknown, action: string): BenchError {
    if (err instanceof BenchError) return err;
    const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const name = e.name ?? '';
    const status = e.$metadata?.httpStatusCode;
    const where = this.opts.endpoint ? ` at ${this.opts.endpoint}` : this.opts.region ? ` in ${this.opts.region}` : '';
    let why: string;
    if (name === 'AbortError') return new BenchError('ERROR_CANCELLED', 'cancelled', { cause: err });
    if (name === 'NoSuchBucket' || (status === 404 && action === 'reach the bucket')) why = `bucket '${this.opts.bucket}' does not exist${where}`;
    else if (name === 'NoSuchKey' || (status === 404 && action.startsWith('fetch'))) why = `no object with that key in '${this.opts.bucket}'`;
    else if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'ExpiredToken' || name === 'InvalidToken')
      why = `the AWS credentials were rejected (${name}); check your profile or keys`;
    else if (status === 403 && action === 'reach the bucket') why = `access denied to bucket '${this.opts.bucket}': the credentials were rejected or lack s3:ListBucket`;
    else if (name === 'AccessDenied' || status === 403) why = `access denied to bucket '${this.opts.bucket}' (check the IAM policy for s3:PutObject/GetObject)`;
    else if (name === 'CredentialsProviderError' || /credential/i.test(e.message ?? ''))
      why = 'no AWS credentials found (set AWS_PROFILE, run `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)';
    else if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|socket hang up|TimeoutError/i.test(`${e.code ?? ''} ${name} ${e.message ?? ''}`))
      why = `cannot reach S3${where} (${e.code ?? name ?? 'network error'})`;
    else why = `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
    return new BenchError('ERROR_STORE', `S3 could not ${action}: ${why}`, { cause: err });
  }
}
