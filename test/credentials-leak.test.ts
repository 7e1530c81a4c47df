import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../main/ipc/dispatch.js';
import { fixture } from './helpers/images.js';
import { testHandlers } from './helpers/host.js';
import { S3Standin } from './servers/s3-standin.js';
import { SageMakerStandin } from './servers/sagemaker-standin.js';

const BIN = fileURLToPath(new URL('../bin/upscale-bench.js', import.meta.url));
// Secret-looking credentials, registered with s3rver so every S3 call is really signed with them.
const KEY_ID = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const SECRET = randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, 'x');
const TOKEN = `IQoJb3JpZ2luX2VjE${randomBytes(24).toString('hex')}`;

let s3: S3Standin;
let sm: SageMakerStandin;
let s3url: string;
let smurl: string;
let photos: string;

beforeAll(async () => {
  const account = createRequire(import.meta.url)('s3rver/lib/models/account.js');
  account.DUMMY_ACCOUNT.createKeyPair(KEY_ID, SECRET);
  s3 = new S3Standin(['leak-check']);
  s3url = await s3.start();
  sm = new SageMakerStandin({ endpoints: ['upscaler'], accessKeyIds: [KEY_ID] });
  smurl = await sm.start();
  photos = join(await mkdtemp(join(tmpdir(), 'leak-')), 'photos');
  await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
  await cp(fixture('photos', 'rocket.jpg'), join(photos, 'rocket.jpg'));
  await cp(fixture('corpus', 'text-named.jpg'), join(photos, 'broken.jpg'));
});
afterAll(async () => {
  await s3.destroy();
  await sm.stop();
});

async function everyFile(dir: string): Promise<string> {
  let all = '';
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) all += (await readFile(join(e.parentPath, e.name))).toString('latin1');
  }
  return all;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const leaks = (text: string) => [SECRET, TOKEN].filter((s) => text.includes(s));

describe('credentials never leak', () => {
  it('a CLI batch against S3 and SageMaker writes them nowhere and prints them nowhere', async () => {
    const out = join(photos, '..', 'cli-out');
    // async: the S3 and SageMaker stand-ins answer from this very process
    const r = await run(
      process.execPath,
      [BIN, 'run', photos, '--store', 's3', '--bucket', 'leak-check', '--s3-endpoint', s3url, '--provider', 'sagemaker,bicubic', '--endpoint', 'upscaler', '--sagemaker-url', smurl, '--fit', '100-200', '--region', 'us-east-1', '--out', out, '--json'],
      { ...process.env, AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_PROFILE: '' },
    );
    expect(r.status, r.stderr).toBe(3); // the broken file's error rows
    const summary = JSON.parse(r.stdout);
    expect(summary.counts).toMatchObject({ ok: 4, errors: 2 }); // the broken file fails for both providers; the rest reached S3 and the endpoint
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    expect(leaks(await everyFile(out))).toEqual([]);
  });

  it('keys typed into the app never reach the renderer, events, results or error texts', async () => {
    const answers: { folder?: string } = { folder: photos };
    const { dir, handlers, events, ended } = await testHandlers(answers);
    const replies: unknown[] = [];
    const call = async (channel: Parameters<typeof dispatch>[1], req: unknown) => {
      const r = await dispatch(handlers, channel, req);
      replies.push(r);
      return r;
    };
    await call('aws:set-keys', { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN });
    await call('dialog:pick-input', { kind: 'folder' });
    const started = await call('run:start', { input: photos, providers: ['sagemaker', 'bicubic'], store: 's3', bucket: 'leak-check', s3Endpoint: s3url, endpoint: 'upscaler', sagemakerUrl: smurl, region: 'us-east-1', fit: { min: 100, max: 200 } });
    if (!(started as { ok: boolean }).ok) throw new Error(JSON.stringify(started));
    await ended((started as { data: { jobId: string } }).data.jobId);
    const runId = (started as { data: { runId: string } }).data.runId;
    const open = await call('runs:open', { runId });
    expect((open as { data: { rows: { status: string }[] } }).data.rows.filter((x) => x.status === 'ok')).toHaveLength(4);
    await call('aws:key-status', {});
    await call('settings:get', {});
    // wrong keys produce error text, which must not echo them either
    await call('aws:set-keys', { accessKeyId: 'AKIAWRONGWRONG1234', secretAccessKey: SECRET });
    await call('aws:test-connection', { bucket: 'leak-check', s3Endpoint: s3url, endpoint: 'upscaler', sagemakerUrl: smurl, region: 'us-east-1' });
    expect(leaks(JSON.stringify(replies))).toEqual([]);
    expect(leaks(JSON.stringify(events))).toEqual([]);
    expect(leaks(await everyFile(dir))).toEqual([]);
  });
});
