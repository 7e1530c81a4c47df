import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Store } from '../main/core/stores/s3.js';
import { LocalFolderStore } from '../main/core/stores/local-folder.js';
import { S3Standin, S3RVER_CREDENTIALS } from './servers/s3-standin.js';

const random = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 2654435761) >>> 24;
  return b;
};

describe('S3Store through the real SDK against s3rver', () => {
  const s3 = new S3Standin(['bench']);
  let url: string;
  beforeAll(async () => {
    url = await s3.start();
  });
  afterAll(() => s3.destroy());
  const store = (extra: Partial<ConstructorParameters<typeof S3Store>[0]> = {}) =>
    new S3Store({ bucket: 'bench', region: 'us-east-1', endpoint: url, credentials: S3RVER_CREDENTIALS, ...extra });

  it('round-trips bytes exactly under a prefix', async () => {
    const st = store({ prefix: 'runs/one/' });
    const bytes = random(300_000);
    await st.put('photos/a b/ü.jpg', bytes, 'image/jpeg');
    const back = await st.get('photos/a b/ü.jpg');
    expect(back.length).toBe(300_000);
    expect(back.equals(bytes)).toBe(true);
    expect(st.locationOf('photos/a b/ü.jpg')).toBe('s3://bench/runs/one/photos/a b/ü.jpg');
    expect(st.describe()).toBe('s3://bench/runs/one');
  });

  it('keeps same-named files in different folders apart', async () => {
    const st = store();
    await st.put('x/a.jpg', Buffer.from('one'), 'image/jpeg');
    await st.put('y/a.jpg', Buffer.from('two'), 'image/jpeg');
    expect((await st.get('x/a.jpg')).toString()).toBe('one');
    expect((await st.get('y/a.jpg')).toString()).toBe('two');
  });

  it('passes the connection check on a bucket that exists', async () => {
    await expect(store().check()).resolves.toBeUndefined();
  });

  it('names a missing bucket', async () => {
    const st = store({ bucket: 'no-such-bucket' });
    await expect(st.put('a.jpg', Buffer.from('x'), 'image/jpeg')).rejects.toThrow(/bucket 'no-such-bucket' does not exist/);
    await expect(st.check()).rejects.toThrow(/bucket 'no-such-bucket' does not exist/);
  });

  it('names a missing key', async () => {
    await expect(store().get('never/put.jpg')).rejects.toThrow(/no object with that key in 'bench'/);
  });

  it('records how a key was stored as object metadata, and forgets it when stored again without', async () => {
    const st = store({ prefix: 'meta' });
    await st.put('a/b.png', Buffer.from('png'), 'image/png', undefined, { originalWidth: 451, originalHeight: 300, factor: 2 });
    expect(await st.info('a/b.png')).toEqual({ originalWidth: 451, originalHeight: 300, factor: 2 });
    await st.put('fit.png', Buffer.from('png'), 'image/png', undefined, { originalWidth: 1200, originalHeight: 800 });
    expect(await st.info('fit.png')).toEqual({ originalWidth: 1200, originalHeight: 800 });
    await st.put('a/b.png', Buffer.from('png'), 'image/png');
    expect(await st.info('a/b.png')).toBeUndefined();
    await expect(st.info('never/put.png')).rejects.toThrow(/S3 could not fetch never\/put\.png/);
  });

  it('reports rejected credentials without echoing the secret', async () => {
    const st = store({ credentials: { accessKeyId: 'AKIAWRONG', secretAccessKey: 'sekrit-do-not-print' } });
    const err = await st.put('a.jpg', Buffer.from('x'), 'image/jpeg').catch((e) => e as Error);
    expect(err.message).toMatch(/credentials were rejected \(InvalidAccessKeyId\)/);
    expect(err.message).not.toContain('sekrit');
  });

  it('reports an unreachable endpoint', async () => {
    const st = store({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    await expect(st.put('a.jpg', Buffer.from('x'), 'image/jpeg')).rejects.toThrow(/cannot reach S3 at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });

  it('rejects a bad bucket name and unsafe keys', () => {
    expect(() => store({ bucket: 'A' })).toThrow(/not a valid S3 bucket name/);
    expect(() => store().locationOf('../etc/passwd')).toThrow(/unsafe store key/);
  });
});

describe('the AWS SDK in tests', () => {
  it("prints no Node-version notice: vitest.config.ts sets the SDK's documented switch for every test process", () => {
    const make = "const { S3Client } = require('@aws-sdk/client-s3'); new S3Client({ region: 'us-east-1' });";
    const quiet = spawnSync(process.execPath, ['-e', make], { encoding: 'utf8', env: process.env });
    expect(quiet.stderr).toBe('');
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });
});

describe('LocalFolderStore', () => {
  it('writes under its root, reads back, and refuses escaping keys', async () => {
    const root = await mkdtemp(join(tmpdir(), 'store-'));
    const st = new LocalFolderStore(root);
    await st.put('a/b.png', Buffer.from('png'), 'image/png');
    expect((await st.get('a/b.png')).toString()).toBe('png');
    expect(await readdir(join(root, 'a'))).toEqual(['b.png']);
    await expect(st.put('../x.png', Buffer.from('x'), 'image/png')).rejects.toThrow(/unsafe/);
    await expect(st.get('missing.png')).rejects.toThrow(/no such key/);
  });

  it('records how a key was stored in a sidecar that no key can reach or collide with', async () => {
    const root = await mkdtemp(join(tmpdir(), 'store-'));
    const st = new LocalFolderStore(root);
    const info = { originalWidth: 451, originalHeight: 300, factor: 2 };
    await st.put('a.png', Buffer.from('one'), 'image/png', undefined, info);
    // keys that would collide with a sidecar written beside the image are ordinary keys here
    await st.put('a.png.json', Buffer.from('two'), 'image/png', undefined, { originalWidth: 8, originalHeight: 8, factor: 4 });
    await st.put('b/c.png', Buffer.from('three'), 'image/png');
    expect(await st.info('a.png')).toEqual(info);
    expect(await st.info('a.png.json')).toEqual({ originalWidth: 8, originalHeight: 8, factor: 4 });
    expect(await st.info('b/c.png')).toBeUndefined();
    expect((await st.get('a.png.json')).toString()).toBe('two');
    // the only thing beside the keys is the records folder, which no key may enter
    expect((await readdir(root)).sort()).toEqual(['.upscale-bench-records', 'a.png', 'a.png.json', 'b']);
    await expect(st.put('.upscale-bench-records/x.json', Buffer.from('x'), 'image/png')).rejects.toThrow(/store keys cannot start with \.upscale-bench-records\//);
    await expect(st.get('.upscale-bench-records/x.json')).rejects.toThrow(/store's own records/);
    // stored again without a record: the old record is gone, not stale
    await st.put('a.png', Buffer.from('one'), 'image/png');
    expect(await st.info('a.png')).toBeUndefined();
    expect(await st.info('never.png')).toBeUndefined();
  });
});

describe('S3Store against a bucket that denies access', () => {
  it('names the bucket and the missing permission', async () => {
    const { createServer } = await import('node:http');
    // What S3 answers when the IAM policy lacks the action: 403 with an AccessDenied error document.
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'standin' });
        res.end(req.method === 'HEAD' ? undefined : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    try {
      const st = new S3Store({ bucket: 'locked', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
      await expect(st.put('a.jpg', Buffer.from('x'), 'image/jpeg')).rejects.toThrow("S3 could not upload a.jpg: access denied to bucket 'locked' (check the IAM policy for s3:PutObject/GetObject)");
      await expect(st.check()).rejects.toThrow(/access denied to bucket 'locked': the credentials were rejected or lack s3:ListBucket/);
    } finally {
      server.close();
    }
  });
});
