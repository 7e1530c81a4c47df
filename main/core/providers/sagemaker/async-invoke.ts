/**
 * SageMaker Asynchronous Inference: the request body goes to S3, InvokeEndpointAsync queues it, and the
 * endpoint writes its answer (or a failure) to the S3 paths of its AsyncInferenceConfig. Payloads may be up
 * to 1 GB and run up to an hour; the endpoint scales with its queue.
 */
import { parseS3Uri } from '../../inputs/s3-uri.js';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { httpHandlerSdk, s3Sdk, sageMakerSdk } from '../../aws/sdk.js';
import { BenchError } from '../../errors.js';

export interface AsyncOptions {
  /** s3://bucket/prefix/ the run's request bodies are uploaded under (and deleted from). */
  input: string;
  /** An S3-compatible endpoint for the input bucket (s3rver, MinIO). */
  s3Endpoint?: string;
  /** How long one request may take from queueing to its answer (default 15 min). */
  timeoutMs?: number;
  /** Polling starts at `pollMs` and doubles to `pollCapMs` (defaults 500 ms and 15 s). */
  pollMs?: number;
  pollCapMs?: number;
}

/** What the endpoint wrote to its FailureLocation: the container's error, as text. */
export class AsyncFailure extends Error {
  override name = 'AsyncFailure';
}

export class AsyncInvoker {
  private readonly s3: S3Client;
  private readonly s3sdk = s3Sdk();
  private readonly bucket: string;
  /** This run's folder under the prefix, so its objects are told apart from another run's. */
  private readonly folder: string;
  private seq = 0;

  constructor(
    private readonly opts: AsyncOptions,
    region: string,
    credentials: S3ClientConfig['credentials'],
  ) {
    const { bucket, key: prefix } = parseS3Uri(opts.input);
    this.bucket = bucket;
    this.folder = `${prefix}${prefix && !prefix.endsWith('/') ? '/' : ''}upscale-bench-${randomUUID()}/`;
    const { NodeHttpHandler } = httpHandlerSdk();
    this.s3 = new this.s3sdk.S3Client({
      region,
      endpoint: opts.s3Endpoint,
      forcePathStyle: Boolean(opts.s3Endpoint),
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 120_000, throwOnRequestTimeout: true }),
    });
  }

  /**
   * One request: upload, queue, wait for the answer, read it. The input object is deleted however this ends
   * (answer, failure, timeout or cancel), so a run leaves none behind; the endpoint's outputs are its own.
   */
  async invoke(client: SageMakerRuntimeClient, endpointName: string, contentType: string, body: Buffer, signal?: AbortSignal): Promise<Uint8Array> {
    const { InvokeEndpointAsyncCommand } = sageMakerSdk();
    const { PutObjectCommand, DeleteObjectCommand } = this.s3sdk;
    const key = `${this.folder}${String(this.seq++).padStart(6, '0')}.json`;
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }), { abortSignal: signal });
      const queued = await client.send(
        new InvokeEndpointAsyncCommand({ EndpointName: endpointName, InputLocation: `s3://${this.bucket}/${key}`, ContentType: contentType, Accept: contentType }),
        { abortSignal: signal },
      );
      if (!queued.OutputLocation) throw new BenchError('ERROR_PROVIDER', `SageMaker: endpoint '${endpointName}' gave no OutputLocation (is it an asynchronous endpoint?)`);
      return await this.answer(queued.OutputLocation, queued.FailureLocation, signal);
    } finally {
      // not tied to the signal: a cancelled run still removes what it uploaded
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined);
    }
  }

  /** Polls for the output or failure object with capped backoff, up to the timeout. */
  private async answer(output: string, failure: string | undefined, signal?: AbortSignal): Promise<Uint8Array> {
    const deadline = Date.now() + (this.opts.timeoutMs ?? 15 * 60_000);
    let wait = this.opts.pollMs ?? 500;
    for (;;) {
      const out = await this.read(output, signal);
      if (out) return out;
      if (failure) {
        const failed = await this.read(failure, signal);
        if (failed) throw new AsyncFailure(Buffer.from(failed).toString('utf8').slice(0, 1000));
      }
      if (Date.now() >= deadline) {
        throw new BenchError('ERROR_PROVIDER', `SageMaker: no asynchronous answer within ${Math.round((this.opts.timeoutMs ?? 15 * 60_000) / 1000)} s (--async-timeout)`);
      }
      await sleep(Math.min(wait, Math.max(0, deadline - Date.now())), undefined, { signal });
      wait = Math.min(wait * 2, this.opts.pollCapMs ?? 15_000);
    }
  }

  /** The object's bytes, or undefined while it does not exist (HeadObject first: a miss is cheap). */
  private async read(uri: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      await this.s3.send(new this.s3sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    }
    const got = await this.s3.send(new this.s3sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return got.Body!.transformToByteArray();
  }

  destroy(): void {
    this.s3.destroy();
  }
}
