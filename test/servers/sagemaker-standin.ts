/**
 * A loopback stand-in for a SageMaker real-time endpoint running the JumpStart Stable Diffusion x4
 * upscaler. It speaks InvokeEndpoint (restJson1 errors) and the JumpStart JSON payload as described in
 * shared/reference/jumpstart-upscaler-contract.md, upscales 4× with lanczos3 instead of diffusion, and
 * can be told to misbehave. Tests use it through the real @aws-sdk/client-sagemaker-runtime; a user
 * can run it (`npm run standin:sagemaker`) and point the CLI at it with --sagemaker-url.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export type Fault =
  | { kind: 'throttle'; status?: 400 | 429 }
  | { kind: 'not-ready' }
  | { kind: 'unavailable' }
  | { kind: 'internal' }
  | { kind: 'model-error'; message?: string; originalStatus?: number }
  | { kind: 'oom' }
  | { kind: 'slow'; ms: number }
  | { kind: 'hang' }
  | { kind: 'garbage' };

export interface StandinOptions {
  /** Endpoint names that exist and are InService. */
  endpoints?: string[];
  /** If set, only these access key ids are accepted (others get UnrecognizedClientException). */
  accessKeyIds?: string[];
  /** Inputs above this many pixels fail the way the real container does: CUDA OOM as a ModelError. */
  maxInputPixels?: number;
  /** The container's own time limit (SageMaker: 60 s). */
  modelTimeoutMs?: number;
  /** Closes itself after this long with no request. */
  idleTimeoutMs?: number;
  port?: number;
  /** Applied in order, one per request, before normal service. */
  faults?: Fault[];
  /** Inputs with a longer side than this run out of GPU memory (the real container's limit is ~200 px). */
  maxInputSide?: number;
  /** Every request takes this long before it is answered (a model's inference time). */
  delayMs?: number;
  /** lanczos3 (default) or cubic (a deterministic bicubic ×4 the tests compare with). */
  kernel?: 'lanczos3' | 'cubic';
  /** Holds requests until this many are in flight at once (then all go): proves concurrency without timing. */
  holdUntilInFlight?: number;
  /** Asynchronous Inference: where inputs are read from and answers written (an s3rver). */
  s3?: { url: string; credentials: { accessKeyId: string; secretAccessKey: string }; outputPath: string; failurePath: string };
  /** How long a queued asynchronous request takes before its answer object appears. */
  asyncDelayMs?: number;
  /** Told of every request as it is taken in (a real-time one once counted in flight, an async one once queued). */
  onInvocation?: (r: InvocationRecord) => void;
}

export interface InvocationRecord {
  endpoint: string;
  contentType: string | undefined;
  accept: string | undefined;
  bytes: number;
  payload?: Record<string, unknown>;
  status: number;
  /** Requests in flight when this one arrived, itself included. */
  inFlight: number;
  /** The input image's size, once decoded. */
  width?: number;
  height?: number;
  async?: { input: string; output: string; failure: string };
}

type Reply = { status: number; headers: Record<string, string>; body: string } | 'hang';

export const MAX_PAYLOAD = 6 * 1024 * 1024;
const ACCOUNT = '123456789012';

export class SageMakerStandin {
  readonly invocations: InvocationRecord[] = [];
  readonly faults: Fault[];
  private server?: Server;
  private idle?: NodeJS.Timeout;
  private readonly endpoints: Set<string>;
  private readonly sockets = new Set<import('node:net').Socket>();
  private inFlight = 0;
  private released = false;
  private readonly held: (() => void)[] = [];
  private readonly s3?: S3Client;
  private readonly queued = new Set<Promise<void>>();
  private nextId = 0;
  /** Ends the waits of queued asynchronous requests when the stand-in stops. */
  private readonly closing = new AbortController();

  constructor(private readonly opts: StandinOptions = {}) {
    this.endpoints = new Set(opts.endpoints ?? ['upscaler']);
    this.faults = [...(opts.faults ?? [])];
    if (opts.s3) this.s3 = new S3Client({ region: 'us-east-1', endpoint: opts.s3.url, forcePathStyle: true, credentials: opts.s3.credentials });
  }

  /** The most requests that were in flight at once. */
  get maxInFlight(): number {
    return Math.max(0, ...this.invocations.map((i) => i.inFlight));
  }

  /** The next `n` requests are throttled (ThrottlingException over HTTP 400, or a plain 429). */
  throttleNext(n: number, status: 400 | 429 = 400): void {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'throttle', status });
  }

  /** Resolves once every queued asynchronous request has written its answer or failure. */
  async drained(): Promise<void> {
    while (this.queued.size) await Promise.all([...this.queued]);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.touch();
      this.handle(req, res).catch((err) => sendError(res, 500, 'InternalFailure', String(err)));
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.opts.port ?? 0, '127.0.0.1', resolve));
    this.touch();
    return this.url;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    clearTimeout(this.idle);
    this.release();
    this.closing.abort();
    await this.drained();
    this.s3?.destroy();
    if (!this.server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(), this.opts.idleTimeoutMs ?? 10 * 60_000);
    this.idle.unref();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/endpoints\/([^/]+)\/(invocations|async-invocations)$/.exec(req.url ?? '');
    const body = await readBody(req, MAX_PAYLOAD + 1024 * 1024);
    const record: InvocationRecord = {
      endpoint: match ? decodeURIComponent(match[1]) : '',
      contentType: req.headers['content-type'],
      accept: req.headers['accept'],
      bytes: body.length,
      status: 0,
      inFlight: 0,
    };
    this.invocations.push(record);
    const reply = (r: Reply) => {
      if (r === 'hang') return; // never answers; the client's timeout has to end it
      record.status = r.status;
      if (!res.headersSent) res.writeHead(r.status, r.headers).end(r.body);
    };

    if (req.method !== 'POST' || !match) return reply(errorReply(404, 'UnknownOperationException', 'Unknown operation'));
    const auth = req.headers['authorization'] ?? '';
    const sig = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/sagemaker\/aws4_request/.exec(String(auth));
    if (!sig) return reply(errorReply(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'));
    if (this.opts.accessKeyIds && !this.opts.accessKeyIds.includes(sig[1])) {
      return reply(errorReply(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'));
    }
    if (body.length > MAX_PAYLOAD) {
      return reply(errorReply(413, 'ValidationError', `Request payload size ${body.length} exceeds the maximum of ${MAX_PAYLOAD} bytes.`));
    }
    if (!this.endpoints.has(record.endpoint)) {
      return reply(errorReply(400, 'ValidationError', `Endpoint ${record.endpoint} of account ${ACCOUNT} not found.`));
    }
    if (match[2] === 'async-invocations') return reply(this.enqueue(req, record));
    record.inFlight = ++this.inFlight;
    this.opts.onInvocation?.(record);
    try {
      await this.hold();
      if (this.opts.delayMs) await delay(this.opts.delayMs);
      reply(await this.infer(body, String(req.headers['content-type'] ?? ''), String(req.headers['accept'] ?? ''), record));
    } finally {
      this.inFlight--;
    }
  }

  /** With holdUntilInFlight: waits until that many requests are in flight (or 30 s), then lets all go. */
  private hold(): Promise<void> {
    const n = this.opts.holdUntilInFlight;
    if (!n || this.released) return Promise.resolve();
    if (this.inFlight >= n) {
      this.release();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.held.push(resolve);
      setTimeout(() => this.release(), 30_000).unref();
    });
  }

  private release(): void {
    this.released = true;
    for (const go of this.held.splice(0)) go();
  }

  /**
   * InvokeEndpointAsync: answers 202 with where the answer will be, then reads the input from S3 and after
   * asyncDelayMs writes the answer to OutputLocation, or the error to FailureLocation.
   */
  private enqueue(req: IncomingMessage, record: InvocationRecord): Reply {
    if (!this.s3 || !this.opts.s3) return errorReply(400, 'ValidationError', `Endpoint ${record.endpoint} is not configured for asynchronous inference.`);
    const input = String(req.headers['x-amzn-sagemaker-inputlocation'] ?? '');
    const loc = /^s3:\/\/([^/]+)\/(.+)$/.exec(input);
    if (!loc) return errorReply(400, 'ValidationError', 'InputLocation must be an s3:// URI');
    const fault = this.faults[0]?.kind === 'throttle' ? this.faults.shift() : undefined;
    if (fault?.kind === 'throttle') return errorReply(fault.status ?? 400, 'ThrottlingException', 'Rate exceeded');
    const id = `standin-${String(this.nextId++).padStart(6, '0')}`;
    const output = `${this.opts.s3.outputPath}${id}.out`;
    const failure = `${this.opts.s3.failurePath}${id}-error.out`;
    record.async = { input, output, failure };
    const contentType = String(req.headers['x-amzn-sagemaker-content-type'] ?? '');
    const accept = String(req.headers['x-amzn-sagemaker-accept'] ?? '');
    const job = (async () => {
      if (this.opts.asyncDelayMs) await delay(this.opts.asyncDelayMs, this.closing.signal);
      let answer: Reply;
      try {
        const got = await this.s3!.send(new GetObjectCommand({ Bucket: loc[1], Key: loc[2] }));
        answer = await this.infer(Buffer.from(await got.Body!.transformToByteArray()), contentType, accept, record);
      } catch (err) {
        answer = errorReply(400, 'ValidationError', `Could not read InputLocation ${input}: ${(err as Error).message}`);
      }
      const ok = answer !== 'hang' && answer.status === 200;
      const [bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(ok ? output : failure)!.slice(1);
      const text = answer === 'hang' ? 'Model timed out' : ok ? answer.body : (JSON.parse(answer.body).OriginalMessage ?? JSON.parse(answer.body).message);
      await this.s3!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }));
    })().catch(() => undefined); // a stand-in that stops drops what is queued
    this.opts.onInvocation?.(record);
    this.queued.add(job);
    void job.finally(() => this.queued.delete(job));
    return {
      status: 202,
      headers: { 'content-type': 'application/json', 'x-amzn-sagemaker-outputlocation': output, 'x-amzn-sagemaker-failurelocation': failure },
      body: JSON.stringify({ InferenceId: id }),
    };
  }

  /** What the container answers a JumpStart payload, faults and limits included. */
  private async infer(body: Buffer, contentType: string, accept: string, record: InvocationRecord): Promise<Reply> {
    const fault = this.faults.shift();
    if (fault) {
      switch (fault.kind) {
        case 'throttle':
          return errorReply(fault.status ?? 400, 'ThrottlingException', 'Rate exceeded');
        case 'not-ready':
          return errorReply(429, 'ModelNotReadyException', 'Model is not ready yet.');
        case 'unavailable':
          return errorReply(503, 'ServiceUnavailable', 'Service is unavailable.');
        case 'internal':
          return errorReply(500, 'InternalFailure', 'An internal failure occurred.');
        case 'model-error':
          return modelError(fault.originalStatus ?? 500, fault.message ?? 'Internal server error in the model container');
        case 'oom':
          return modelError(500, oomMessage());
        case 'hang':
          return 'hang';
        case 'garbage':
          return { status: 200, headers: { 'content-type': 'application/json;jpeg' }, body: '{"generated_images": [' };
        case 'slow':
          if (fault.ms > (this.opts.modelTimeoutMs ?? 60_000)) {
            await delay(this.opts.modelTimeoutMs ?? 60_000);
            return modelError(408, 'Your invocation timed out while waiting for a response from container primary.');
          }
          await delay(fault.ms);
          break;
      }
    }
    if (!/^application\/json(;jpeg)?$/.test(contentType)) return modelError(415, `Unsupported content type: ${contentType}`);
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return modelError(400, 'Request body is not valid JSON');
    }
    record.payload = { ...payload, image: `<${String(payload.image ?? '').length} base64 chars>` };
    const problem = validatePayload(payload);
    if (problem) return modelError(400, problem);
    let input: sharp.Sharp;
    let meta: sharp.Metadata;
    try {
      input = sharp(Buffer.from(payload.image as string, 'base64'));
      meta = await input.metadata();
    } catch {
      return modelError(400, 'cannot identify image file');
    }
    const [w, h] = [meta.width ?? 0, meta.height ?? 0];
    Object.assign(record, { width: w, height: h });
    if (w * h > (this.opts.maxInputPixels ?? 512 * 512) || Math.max(w, h) > (this.opts.maxInputSide ?? Infinity)) return modelError(500, oomMessage());
    const out = await input
      .removeAlpha()
      .resize(w * 4, h * 4, { kernel: this.opts.kernel ?? 'lanczos3' })
      .jpeg({ quality: 92 })
      .toBuffer();
    if (accept === 'application/json') {
      // Nested RGB lists, as the real container answers this Accept (large; clients should avoid it).
      const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
      const rows = [];
      for (let y = 0; y < info.height; y++) {
        const row = [];
        for (let x = 0; x < info.width; x++) {
          const i = (y * info.width + x) * 3;
          row.push([data[i], data[i + 1], data[i + 2]]);
        }
        rows.push(row);
      }
      return { status: 200, headers: { 'content-type': 'application/json', 'x-Amzn-Invoked-Production-Variant': 'AllTraffic' }, body: JSON.stringify({ generated_images: [rows], prompt: payload.prompt }) };
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/json;jpeg', 'x-Amzn-Invoked-Production-Variant': 'AllTraffic' },
      body: JSON.stringify({ generated_images: [out.toString('base64')], prompt: payload.prompt }),
    };
  }
}

function modelError(originalStatus: number, originalMessage: string): Reply {
  return errorReply(424, 'ModelError', `Received server error (${originalStatus}) from primary with message "${originalMessage}". See CloudWatch logs.`, {
    OriginalStatusCode: originalStatus,
    OriginalMessage: originalMessage,
    LogStreamArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/standin`,
  });
}
function validatePayload(p: Record<string, unknown>): string | undefined {
  if (typeof p.image !== 'string' || p.image.length === 0) return "'image' must be a non-empty base64 string";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(p.image)) return "'image' is not valid base64";
  if (typeof p.prompt !== 'string') return "'prompt' must be a string";
  if (p.num_inference_steps !== undefined && (!Number.isInteger(p.num_inference_steps) || (p.num_inference_steps as number) < 1))
    return "'num_inference_steps' must be a positive integer";
  if (p.guidance_scale !== undefined && typeof p.guidance_scale !== 'number') return "'guidance_scale' must be a number";
  if (p.negative_prompt !== undefined && typeof p.negative_prompt !== 'string') return "'negative_prompt' must be a string";
  if (p.seed !== undefined && !Number.isInteger(p.seed)) return "'seed' must be an integer";
  if (p.noise_level !== undefined && !Number.isInteger(p.noise_level)) return "'noise_level' must be an integer";
  const known = new Set(['image', 'prompt', 'num_inference_steps', 'guidance_scale', 'negative_prompt', 'seed', 'noise_level']);
  const unknown = Object.keys(p).filter((k) => !known.has(k));
  if (unknown.length) return `unexpected keys: ${unknown.join(', ')}`;
  return undefined;
}

function oomMessage(): string {
  return 'CUDA out of memory. Tried to allocate 2.25 GiB (GPU 0; 15.78 GiB total capacity; 12.10 GiB already allocated)';
}

function errorReply(status: number, type: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker/` },
    body: JSON.stringify({ __type: type, message, ...extra }),
  };
}

function sendError(res: ServerResponse, status: number, type: string, message: string) {
  if (res.headersSent) return;
  const r = errorReply(status, type, message) as Exclude<Reply, 'hang'>;
  res.writeHead(r.status, r.headers).end(r.body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? Buffer.alloc(limit) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const delay = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal });

// `npm run standin:sagemaker -- [--port N] [--endpoint NAME]…`
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const endpoints: string[] = [];
  let port = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i] === '--endpoint') endpoints.push(args[++i]);
  }
  const standin = new SageMakerStandin({ port, endpoints: endpoints.length ? endpoints : ['upscaler'], idleTimeoutMs: 30 * 60_000 });
  const url = await standin.start();
  console.log(`SageMaker JumpStart stand-in on ${url} (endpoints: ${(endpoints.length ? endpoints : ['upscaler']).join(', ')}); stops after 30 min idle`);
  console.log(`try: npx upscale-bench run <folder> --provider sagemaker --endpoint upscaler --sagemaker-url ${url}`);
}
