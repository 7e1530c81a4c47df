/**
 * The app in a browser, for machines without Electron (`npm run web`) and for the end-to-end tests:
 * serves the built renderer and forwards each `window.bench` call to the same handlers main registers.
 * Loopback only; every call carries a random token; Host and Origin must be this server's own.
 * Dialogs are answered by typed paths that must exist.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import type { JobEvent } from '../preload/ipc-contract.js';
import { CHANNELS, type Channel } from '../preload/ipc-contract.js';
import { BenchError } from '../main/core/errors.js';
import { dispatch } from '../main/ipc/dispatch.js';
import { createHandlers } from '../main/ipc/handlers.js';
import { type Host, MemorySecretStore } from '../main/ipc/host.js';

export interface WebBridgeOptions {
  rendererDir: string;
  userDataDir: string;
  resultsRoot: string;
  port?: number;
  idleTimeoutMs?: number;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const MAX_BODY = 1024 * 1024;

export async function startWebBridge(o: WebBridgeOptions) {
  const token = randomBytes(24).toString('hex');
  const sse = new Set<ServerResponse>();
  const answers: string[] = [];
  const take = async (mustExist: 'path' | 'parent'): Promise<string | null> => {
    const a = answers.shift();
    if (!a) return null;
    const p = resolve(a);
    const target = mustExist === 'path' ? p : dirname(p);
    if (!existsSync(target)) throw new Error(`no such ${mustExist === 'path' ? 'path' : 'folder'}: ${target}`);
    return p;
  };
  const host: Host = {
    userDataDir: o.userDataDir,
    defaultResultsRoot: o.resultsRoot,
    pickFolder: async () => {
      const p = await take('path');
      if (p && !(await stat(p)).isDirectory()) throw new Error(`not a folder: ${p}`);
      return p;
    },
    pickCsv: () => take('path'),
    // a typed path cannot ask "replace?" as a save dialog does, so an existing file is refused
    pickSaveCsv: async () => {
      const p = await take('parent');
      if (p && existsSync(p)) throw new BenchError('ERROR_BAD_SETTINGS', `${p} already exists; type a new file name`);
      return p;
    },
    pickModelFile: () => take('path'),
    openFolder: async () => false,
    emit: (e: JobEvent) => {
      for (const res of sse) res.write(`data: ${JSON.stringify(e)}\n\n`);
    },
    // Typed keys live only in this process's memory: there is no OS keychain in a browser demo.
    secrets: new MemorySecretStore(),
  };
  const handlers = createHandlers(host);
  let origin = '';

  const server = createServer(async (req, res) => {
    touch();
    try {
      const expectedHost = origin.replace('http://', '');
      if (req.headers.host !== expectedHost) return deny(res, 421, 'wrong Host');
      if (req.headers.origin && req.headers.origin !== origin) return deny(res, 403, 'wrong Origin');
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname.startsWith('/bridge/')) {
        const given = req.headers['x-bench-token'] ?? url.searchParams.get('token');
        if (given !== token) return deny(res, 401, 'missing or wrong token');
        if (url.pathname === '/bridge/events' && req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          res.write(': connected\n\n');
          sse.add(res);
          req.on('close', () => sse.delete(res));
          return;
        }
        if (req.method !== 'POST') return deny(res, 405, 'POST only');
        const body = await readJson(req);
        if (url.pathname === '/bridge/dialog') {
          if (typeof body?.path !== 'string' || body.path.length > 4096) return deny(res, 400, 'path expected');
          answers.length = 0;
          answers.push(body.path);
          return json(res, { ok: true });
        }
        const channel = decodeURIComponent(url.pathname.slice('/bridge/invoke/'.length)) as Channel;
        if (!url.pathname.startsWith('/bridge/invoke/') || !CHANNELS.includes(channel)) return deny(res, 404, 'unknown channel');
        return json(res, await dispatch(handlers, channel, body));
      }
      return serveStatic(url.pathname, res);
    } catch (err) {
      return deny(res, 400, (err as Error).message.slice(0, 200));
    }
  });

  async function serveStatic(pathname: string, res: ServerResponse) {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = normalize(join(o.rendererDir, rel));
    if (!file.startsWith(o.rendererDir + sep) && file !== join(o.rendererDir, 'index.html')) return deny(res, 404, 'not found');
    let body = await readFile(file).catch(() => null);
    if (!body) return deny(res, 404, 'not found');
    if (rel === 'index.html') {
      body = Buffer.from(body.toString('utf8').replace('<script type="module"', '<script type="module" src="./web-shim.js"></script>\n    <script type="module"'));
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  }

  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void close(), o.idleTimeoutMs ?? 60 * 60_000);
    idle.unref();
  };
  const close = async () => {
    clearTimeout(idle);
    for (const r of sse) r.end();
    await handlers.dispose();
    await new Promise<void>((r) => server.close(() => r()));
  };

  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  touch();
  return { url: `${origin}/?token=${token}`, origin, token, close, handlers };
}

function deny(res: ServerResponse, status: number, message: string) {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(message);
}

function json(res: ServerResponse, value: unknown) {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function readJson(req: IncomingMessage): Promise<any> {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolveBody(text ? JSON.parse(text) : {});
      } catch {
        reject(new Error('body is not JSON'));
      }
    });
  });
}
