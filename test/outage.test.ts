import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Outage, OutageWatch, unreachableCode } from '../main/core/pipeline/outage.js';
import { emptyRow } from '../main/core/results/row.js';
import { S3Store } from '../main/core/stores/s3.js';
import { S3RVER_CREDENTIALS, S3Standin } from './servers/s3-standin.js';

// Real S3 clients against s3rver, a closed port and a name that cannot resolve: the errors the SDK really throws.
const s3rver = new S3Standin(['watched']);
let url: string;
beforeAll(async () => void (url = await s3rver.start()));
afterAll(() => s3rver.destroy());
const store = (endpoint: string) => new S3Store({ bucket: 'watched', endpoint, credentials: S3RVER_CREDENTIALS, maxAttempts: 1 });
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('should have failed'), (e: unknown) => e);

describe('what counts as a store that stopped answering', () => {
  it('a refused connection and a name that does not resolve do; an answer, even "no such key" or "access denied", does not', async () => {
    expect(unreachableCode(await failure(store('http://127.0.0.1:9').put('a.png', Buffer.from('x'), 'image/png')))).toBe('ECONNREFUSED');
    expect(unreachableCode(await failure(store('http://no-such-host.invalid').get('a.png')))).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    expect(unreachableCode(await failure(store(url).get('never-stored.png')))).toBeUndefined();
    const denied = new S3Store({ bucket: 'watched', endpoint: url, credentials: { accessKeyId: 'NOT-S3RVER', secretAccessKey: 'x' }, maxAttempts: 1 });
    expect(unreachableCode(await failure(denied.put('a.png', Buffer.from('x'), 'image/png')))).toBeUndefined();
  });

  it('stops after three calls in a row find nothing answering; an answer in between starts the count again', async () => {
    const outages: Outage[] = [];
    const watch = new OutageWatch((o) => outages.push(o));
    const gone = watch.store(store('http://127.0.0.1:9'), 'the test store');
    const answering = watch.store(store(url), 'the test store');
    const code = async (p: Promise<unknown>) => ((await failure(p)) as { code?: string }).code;
    expect(await code(gone.get('a.png'))).toBe('ERROR_STORE');
    expect(await code(gone.get('b.png'))).toBe('ERROR_STORE');
    expect(await code(answering.get('missing.png'))).toBe('ERROR_STORE'); // it answered: not gone
    expect(await code(gone.get('c.png'))).toBe('ERROR_STORE');
    expect(await code(gone.get('d.png'))).toBe('ERROR_STORE');
    expect(outages).toEqual([]);
    // the third in a row stops the run: that call, and any after it, end as cancelled (no error row)
    expect(await code(gone.get('e.png'))).toBe('ERROR_CANCELLED');
    expect(outages).toEqual([{ service: 'the test store', code: 'ECONNREFUSED', count: 3 }]);
    expect(await code(answering.get('missing.png'))).toBe('ERROR_CANCELLED');
    expect(outages).toHaveLength(1);
    // rows written from the streak's failures are the outage's; a call in flight that ends well does not forget them
    await answering.put('late.png', Buffer.from('x'), 'image/png');
    const row = (error: string) => ({ ...emptyRow('x.png', 'bicubic', 'bicubic'), status: 'error' as const, error });
    expect(watch.causedOutage(row(`S3 could not fetch d.png: cannot reach S3 at http://127.0.0.1:9 (ECONNREFUSED)`))).toBe(true);
    expect(watch.causedOutage(row(`S3 could not fetch a.png: cannot reach S3 at http://127.0.0.1:9 (ECONNREFUSED)`))).toBe(false); // before the answer
  });
});
