/**
 * A loopback stand-in for a SageMaker real-time endpoint running the JumpStart Stable Diffusion x4
 * upscaler. It speaks InvokeEndpoint (restJson1 errors) and the JumpStart JSON payload as described in
 * shared/reference/jumpstart-upscaler-contract.md, upscales 4× with lanczos3 instead of diffusion, and
 * can be told to misbehave. Tests use it through the real @aws-sdk/client-sagemaker-runtime; a user
 * can run it (`npm run standin:sagemaker`) and point the CLI at it with --sagemaker-url.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export type Fault =
  | { kind: 'throttle' }
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
}

export interface InvocationRecord {
  endpoint: string;
  contentType: string | undefined;
  accept: string | undefined;
  bytes: number;
  payload?: Record<string, unknown>;
  status: number;
}

export const MAX_PAYLOAD = 6 * 1024 * 1024;
const ACCOUNT = '123456789012';

export class SageMakerStandin {
  readonly invocations: InvocationRecord[] = [];
  readonly faults: Fault[];
  private server?: Server;
  private idle?: NodeJS.Timeout;
  private readonly endpoints: Set<string>;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private readonly opts: StandinOptions = {}) {
    this.endpoints = new Set(opts.endpoints ?? ['upscaler']);
    this.faults = [...(opts.faults ?? [])];
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
    const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(req.url ?? '');
    const body = await readBody(req, MAX_PAYLOAD + 1024 * 1024);
    const record: InvocationRecord = {
      endpoint: match ? decodeURIComponent(match[1]) : '',
      contentType: req.headers['content-type'],
      accept: req.headers['accept'],
      bytes: body.length,
      status: 0,
    };
    this.invocations.push(record);
    const fail = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) => {
      record.status = status;
      sendError(res, status, type, message, extra);
    };

    if (req.method !== 'POST' || !match) return fail(404, 'UnknownOperationException', 'Unknown operation');
    const auth = req.headers['authorization'] ?? '';
    const sig = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/sagemaker\/aws4_request/.exec(String(auth));
    if (!sig) return fail(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    if (this.opts.accessKeyIds && !this.opts.accessKeyIds.includes(sig[1])) {
      return fail(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    if (body.length > MAX_PAYLOAD) {
      return fail(413, 'ValidationError', `Request payload size ${body.length} exceeds the maximum of ${MAX_PAYLOAD} bytes.`);
    }
    if (!this.endpoints.has(record.endpoint)) {
      return fail(400, 'ValidationError', `Endpoint ${record.endpoint} of account ${ACCOUNT} not found.`);
    }
    const fault = this.faults.shift();
    if (fault) {
      switch (fault.kind) {
        case 'throttle':
          return fail(400, 'ThrottlingException', 'Rate exceeded');
        case 'not-ready':
          return fail(429, 'ModelNotReadyException', 'Model is not ready yet.');
        case 'unavailable':
          return fail(503, 'ServiceUnavailable', 'Service is unavailable.');
        case 'internal':
          return fail(500, 'InternalFailure', 'An internal failure occurred.');
        case 'model-error':
          return this.modelError(fail, fault.originalStatus ?? 500, fault.message ?? 'Internal server error in the model container');
        case 'oom':
          return this.modelError(fail, 500, oomMessage());
        case 'hang':
          return; // never answers; the client's timeout has to end it
        case 'garbage':
          record.status = 200;
          res.writeHead(200, { 'content-type': 'application/json;jpeg' }).end('{"generated_images": [');
          return;
        case 'slow':
          if (fault.ms > (this.opts.modelTimeoutMs ?? 60_000)) {
            await delay(this.opts.modelTimeoutMs ?? 60_000);
            return this.modelError(fail, 408, 'Your invocation timed out while waiting for a response from container primary.');
          }
          await delay(fault.ms);
          break;
      }
    }
    const contentType = String(req.headers['content-type'] ?? '');
    if (!/^application\/json(;jpeg)?$/.test(contentType)) {
      return this.modelError(fail, 415, `Unsupported content type: ${contentType}`);
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return this.modelError(fail, 400, 'Request body is not valid JSON');
    }
    record.payload = { ...payload, image: `<${String(payload.image ?? '').length} base64 chars>` };
    const problem = validatePayload(payload);
    if (problem) return this.modelError(fail, 400, problem);
    let input: sharp.Sharp;
    let meta: sharp.Metadata;
    try {
      input = sharp(Buffer.from(payload.image as string, 'base64'));
      meta = await input.metadata();
    } catch {
      return this.modelError(fail, 400, 'cannot identify image file');
    }
    const pixels = (meta.width ?? 0) * (meta.height ?? 0);
    if (pixels > (this.opts.maxInputPixels ?? 512 * 512)) return this.modelError(fail, 500, oomMessage());
    const out = await input
      .removeAlpha()
      .resize((meta.width ?? 0) * 4, (meta.height ?? 0) * 4, { kernel: 'lanczos3' })
      .jpeg({ quality: 92 })
      .toBuffer();
    const accept = String(req.headers['accept'] ?? '');
    record.status = 200;
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
      res.writeHead(200, { 'content-type': 'application/json', 'x-Amzn-Invoked-Production-Variant': 'AllTraffic' });
      res.end(JSON.stringify({ generated_images: [rows], prompt: payload.prompt }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json;jpeg', 'x-Amzn-Invoked-Production-Variant': 'AllTraffic' });
    res.end(JSON.stringify({ generated_images: [out.toString('base64')], prompt: payload.prompt }));
  }

  private modelError(fail: (s: number, t: string, m: string, e?: Record<string, unknown>) => void, originalStatus: number, originalMessage: string) {
    fail(424, 'ModelError', `Received server error (${originalStatus}) from primary with message "${originalMessage}". See CloudWatch logs.`, {
      OriginalStatusCode: originalStatus,
      OriginalMessage: originalMessage,
      LogStreamArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/standin`,
    });
  }
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

function sendError(res: ServerResponse, status: number, type: string, message: string, extra: Record<string, unknown> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-ErrorType': `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker/` });
  res.end(JSON.stringify({ __type: type, message, ...extra }));
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

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  console.log(`try: npx upscale-bench run <folder> --provider sagemaker --endpoint upscaler --sagemaker-url ${url} --fit 100-200`);
}
