/** s3rver on 127.0.0.1 with a throwaway folder; the real SDK talks to it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export class S3Standin {
  private server?: any;
  private dir?: string;
  url = '';

  constructor(
    private readonly buckets: string[] = ['bench'],
    private port = 0,
  ) {}

  async start(): Promise<string> {
    this.dir ??= await mkdtemp(join(tmpdir(), 's3rver-'));
    this.server = new S3rver({
      address: '127.0.0.1',
      port: this.port,
      silent: true,
      directory: this.dir,
      configureBuckets: this.buckets.map((name) => ({ name })),
    });
    // ahead of s3rver's own routes (Koa composes them at listen time)
    this.server.middleware.unshift(pagedListingOverV1, (ctx: KoaContext, next: () => Promise<void>) => this.refuseDenied(ctx, next));
    const addr = (await this.server.run()) as AddressInfo;
    this.port = addr.port; // a restart comes back on the same port, as a recovering service would
    this.url = `http://127.0.0.1:${addr.port}`;
    return this.url;
  }

  /**
   * Answers `n` more requests, then goes away as a killed server does: the next request's connection is cut
   * and every later one is refused. Counting requests, not time, keeps a test of a run that loses its store
   * deterministic on a busy machine.
   */
  goAwayAfter(n: number): void {
    const http = this.server.httpServer as import('node:http').Server;
    let answered = 0;
    http.prependListener('request', (req) => {
      if (++answered <= n) return;
      req.socket.destroy();
      http.close();
      http.closeAllConnections();
      this.server = undefined;
    });
  }

  /** Comes back with the same objects on another port, as a store moved to a new endpoint would. */
  async moveToNewPort(): Promise<string> {
    await this.stop();
    this.port = 0;
    return this.start();
  }

  private readonly denied = new Set<string>();

  // s3rver has no bucket policies to deny with: this answers as S3 does for one that denies the object
  private async refuseDenied(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && this.denied.has(decodeURIComponent(ctx.path))) {
      ctx.status = 403;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>0</RequestId></Error>';
      return;
    }
    await next();
  }

  /** Answers reads of this object 403 AccessDenied, as S3 does when a bucket policy denies s3:GetObject on it. */
  denyRead(bucket: string, key: string): void {
    this.denied.add(`/${bucket}/${key}`);
  }

  /** The folder s3rver keeps its buckets in (`<dir>/<bucket>/<key>._S3rver_object`). */
  get directory(): string | undefined {
    return this.dir;
  }

  /** Stops serving but keeps the stored objects, so start() can bring the same store back. */
  async stop(): Promise<void> {
    if (this.server) await this.server.close();
    this.server = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

interface KoaContext {
  method: string;
  path: string;
  querystring: string;
  status: number;
  type: string;
  body: unknown;
}

/**
 * s3rver 3.7 makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 18+) no longer has: every
 * truncated V2 page fails with InternalError. Its V1 listing pages by marker without them, so a V2 request is
 * served by V1 here, the token being the base64 of the page's last key, as S3's own is opaque to clients.
 */
async function pagedListingOverV1(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
  const q = new URLSearchParams(ctx.querystring);
  if (ctx.method !== 'GET' || q.get('list-type') !== '2') return next();
  const token = q.get('continuation-token');
  const after = token ? Buffer.from(token, 'base64').toString('utf8') : q.get('start-after');
  for (const k of ['list-type', 'continuation-token', 'start-after', 'fetch-owner']) q.delete(k);
  if (after) q.set('marker', after);
  ctx.querystring = q.toString();
  await next();
  if (ctx.status !== 200 || typeof ctx.body !== 'string' || !ctx.body.includes('<ListBucketResult')) return;
  const keys = [...ctx.body.matchAll(/<Key>(.*?)<\/Key>/g)].map((m) => unescapeXml(m[1]));
  const truncated = ctx.body.includes('<IsTruncated>true</IsTruncated>');
  const extra = `<KeyCount>${keys.length}</KeyCount>${truncated ? `<NextContinuationToken>${Buffer.from(keys[keys.length - 1]).toString('base64')}</NextContinuationToken>` : ''}`;
  ctx.body = ctx.body.replace('</ListBucketResult>', `${extra}</ListBucketResult>`);
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-f]+|#\d+);/gi, (_m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[e],
  );
