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
