import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { BenchError } from '../errors.js';
import { httpHandlerSdk, s3Sdk } from './sdk.js';

/** Where and as whom S3 is reached: the store's and an s3:// input's settings alike. */
export interface S3Reach {
  region?: string;
  /** An S3-compatible endpoint (MinIO, s3rver, …); path-style addressing is used with it. */
  endpoint?: string;
  /** Only for tests and explicit user input; normally the SDK's default chain (env, profile, SSO) supplies them. */
  credentials?: S3ClientConfig['credentials'];
  maxAttempts?: number;
}

export function createS3Client(o: S3Reach): S3Client {
  const sdk = s3Sdk();
  const { NodeHttpHandler } = httpHandlerSdk();
  return new sdk.S3Client({
    region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: o.endpoint,
    forcePathStyle: Boolean(o.endpoint),
    credentials: o.credentials,
    maxAttempts: o.maxAttempts ?? 3,
    // Several S3-compatible stores keep aws-chunked framing inside the object; checksums only when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 120_000, throwOnRequestTimeout: true }),
  });
}

/**
 * Turns SDK errors into a sentence an analyst can act on. `action` reads after "S3 could not": 'reach the bucket',
 * 'fetch KEY', 'list …'; `permission` names what an access denial lacks.
 */
export function explainS3Error(err: unknown, action: string, where: { bucket: string } & S3Reach, permission = 's3:PutObject/GetObject'): BenchError {
  if (err instanceof BenchError) return err;
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const place = where.endpoint ? ` at ${where.endpoint}` : where.region ? ` in ${where.region}` : '';
  let why: string;
  if (name === 'AbortError') return new BenchError('ERROR_CANCELLED', 'cancelled', { cause: err });
  if (name === 'NoSuchBucket' || (status === 404 && (action === 'reach the bucket' || action.startsWith('list')))) why = `bucket '${where.bucket}' does not exist${place}`;
  else if (name === 'NoSuchKey' || (status === 404 && action.startsWith('fetch'))) why = `no object with that key in '${where.bucket}'`;
  else if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'ExpiredToken' || name === 'InvalidToken')
    why = `the AWS credentials were rejected (${name}); check your profile or keys`;
  else if (status === 403 && action === 'reach the bucket') why = `access denied to bucket '${where.bucket}': the credentials were rejected or lack s3:ListBucket`;
  else if (name === 'AccessDenied' || status === 403) why = `access denied to bucket '${where.bucket}' (check the IAM policy for ${permission})`;
  else if (name === 'CredentialsProviderError' || /credential/i.test(e.message ?? ''))
    why = 'no AWS credentials found (set AWS_PROFILE, run `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)';
  else if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|socket hang up|TimeoutError/i.test(`${e.code ?? ''} ${name} ${e.message ?? ''}`))
    why = `cannot reach S3${place} (${e.code ?? name ?? 'network error'})`;
  else why = `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
  return new BenchError('ERROR_STORE', `S3 could not ${action}: ${why}`, { cause: err });
}
