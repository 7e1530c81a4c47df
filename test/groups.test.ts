/**
 * Groups through the real pipeline: a sweep of a folder of photos and flat-colour screenshots whose groups get
 * different answers (the CLI's lines and summary.json), a CSV's group column, a resume that keeps the grouping
 * (from a results file without the column, too), an s3:// prefix grouped by folder against s3rver, and the app.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import sharp from 'sharp';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliAsync } from './helpers/cli.js';
import { fixture } from './helpers/images.js';
import { testHandlers } from './helpers/host.js';
import { S3Standin, S3RVER_CREDENTIALS } from './servers/s3-standin.js';
import { dispatch } from '../main/ipc/dispatch.js';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings } from '../main/core/pipeline/settings.js';
import { resolveInput } from '../main/core/inputs/resolve-input.js';
import { createS3Client } from '../main/core/aws/s3-client.js';
import { parseResultRow } from '../main/core/results/csv-format.js';
import { storageAnswer } from '../main/core/results/summary.js';

const readRows = async (dir: string) => parse(await readFile(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
type Pick = { provider: string; factor: number; format: string; quality: number | null } | null;
const pick = (r: Pick) => (r ? `${r.provider} ${r.factor} ${r.format} q${r.quality}` : null);

/** A flat-colour "screenshot": a title bar, lines of 2-px "text" and a button, as an app window would be. */
function screenshot(i: number): Promise<Buffer> {
  const lines = Array.from({ length: 9 }, (_, k) => `<rect x="${10 + (k % 2) * 4}" y="${30 + k * 13}" width="${120 + ((k * 37 + i * 11) % 90)}" height="2" fill="#222"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160"><rect width="100%" height="100%" fill="#f4f4f4"/><rect width="100%" height="20" fill="${['#2b5797', '#1e7145', '#603cba'][i % 3]}"/>${lines}<rect x="170" y="120" width="56" height="24" fill="#0078d7"/><rect x="180" y="131" width="36" height="2" fill="#fff"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

let work: string;
let input: string;
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png'];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'groups-'));
  input = join(work, 'in');
  for (const name of PHOTOS) await cp(fixture('photos', name), join(input, 'photos', name));
  await mkdir(join(input, 'screenshots'), { recursive: true });
  for (let i = 0; i < 3; i++) await writeFile(join(input, 'screenshots', `shot-${i}.png`), await screenshot(i));
});

describe('sweep --group-by folder: photos and screenshots get different answers', () => {
  // SSIMULACRA2 ≥ 40: the photos reach it cheapest at ÷2 (webp q80: ~10 kB against ~12 kB for q30 at full size);
  // a downscale ruins the screenshots' 2-px lines (SSIMULACRA2 below 0), while full size at q10 keeps them above 60
  const grid = ['--provider', 'bicubic', '--factors', '1,2', '--formats', 'webp', '--qualities', '10,30,80', '--target', 'ssimulacra2=40', '--concurrency', '2'];
  let out: string;
  let summary: Record<string, any>;
  let stderr: string;

  beforeAll(async () => {
    out = join(work, 'sweep');
    const r = cli(['sweep', input, '--group-by', 'folder', ...grid, '--out', out, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    summary = JSON.parse(r.stdout);
    stderr = r.stderr;
  });

  it('summary.json answers per group, beside the overall answer on every image', () => {
    expect(summary.group_by).toBe('folder');
    expect(summary.groups.map((g: { group: string }) => g.group)).toEqual(['photos', 'screenshots']);
    const [photos, shots] = summary.groups;
    expect(pick(photos.recommendation)).toBe('bicubic 2 webp q80');
    expect(pick(shots.recommendation)).toBe('none 1 webp q10');
    // over all six images, full size at q10 averages above 40 (the screenshots carry the photos): one answer for both would under-serve the photos
    expect(pick(summary.recommendation)).toBe('none 1 webp q10');
    expect(photos.groups).toBeUndefined();
    for (const g of summary.groups) {
      expect(g.counts).toEqual({ inputs: 3, rows: 18, ok: 18, errors: 0, not_run: 0 });
      expect(g.recommendation.ci.ssimulacra2_mean).toMatchObject({ n: 3 });
      expect(g.adaptive_policy.images).toBe(3);
      expect(Object.keys(g.pareto).sort()).toEqual(['bicubic', 'none']);
    }
    expect(summary.groups.reduce((n: number, g: { totals: { stored_bytes: number } }) => n + g.totals.stored_bytes, 0)).toBe(summary.totals.stored_bytes);
  });

  it('each group is the storage answer of its own rows, read back from testResults.csv, whose group column names them', async () => {
    const rows = await readRows(out);
    expect(Object.keys(rows[0]).slice(0, 2)).toEqual(['image_path', 'group']);
    for (const r of rows) expect(r.group).toBe(r.image_path.includes('/screenshots/') ? 'screenshots' : 'photos');
    for (const g of summary.groups) {
      const mine = rows.filter((r) => r.group === g.group).map(parseResultRow);
      const answer = storageAnswer(mine, { metric: 'ssimulacra2', value: 40 });
      expect(pick(g.recommendation)).toBe(pick(answer.recommendation!));
      expect(g.recommendation.stored_bytes_mean).toBeCloseTo(answer.recommendation!.stored_bytes_mean, 9);
      expect(g.recommendation.ssimulacra2_mean).toBeCloseTo(answer.recommendation!.ssimulacra2_mean!, 9);
    }
    expect((await readJson(join(out, 'settings.json'))).groupBy).toBe('folder');
  });

  it('the CLI prints each group under the overall recommendation, and what to do with each', () => {
    const lines = stderr.split('\n');
    const at = lines.indexOf('per group (folder):');
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith('for a mean SSIMULACRA2 ≥ 40: store as webp q10 at full size')));
    expect(lines[at + 1]).toMatch(/^ {2}photos \(3 images\): store as webp q80 at ÷2 and upscale with bicubic \(Keys a=-0\.5\): \d+% smaller, SSIMULACRA2 [\d.]+ \(95% CI [\d.]+…[\d.]+\); recompress-only needs webp q30 at full size/);
    expect(lines[at + 2]).toMatch(/^ {2}screenshots \(3 images\): store as webp q10 at full size and serve it as it is \(recompress only\)/);
    expect(lines[at + 3]).toBe('by group: downscale photos ÷2 (webp q80, bicubic) and re-encode screenshots at full size (webp q10)');
  });

  it('a resume keeps the grouping, and relabels rows kept from a results file without the group column', async () => {
    const copy = join(work, 'sweep-resumed');
    await cp(out, copy, { recursive: true });
    const all = await readRows(copy);
    // an older file: no group column, and the last image's rows still to do
    const older = all.slice(0, 25).map(({ group: _g, ...rest }) => rest);
    await writeFile(join(copy, 'testResults.csv'), stringify(older, { header: true, record_delimiter: '\n' }));
    const r = cli(['sweep', '--resume', copy, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    const resumed = JSON.parse(r.stdout);
    expect(resumed.resumed.kept_rows).toBe(25);
    expect(resumed.group_by).toBe('folder');
    expect(resumed.groups.map((g: { recommendation: Pick }) => pick(g.recommendation))).toEqual(summary.groups.map((g: { recommendation: Pick }) => pick(g.recommendation)));
    const rows = await readRows(copy);
    expect(rows).toHaveLength(36);
    for (const row of rows) expect(row.group).toBe(row.image_path.includes('/screenshots/') ? 'screenshots' : 'photos');
    expect((await readJson(join(copy, 'settings.json'))).groupBy).toBe('folder');
    expect(r.stderr).toContain('per group (folder):');

    // --group-by given beside --resume replaces the recorded one: it changes no score, so every row is relabelled
    const ungrouped = cli(['sweep', '--resume', copy, '--group-by', 'none', '--json'], work);
    expect(ungrouped.status, ungrouped.stderr).toBe(0);
    expect(JSON.parse(ungrouped.stdout).groups).toBeUndefined();
    expect((await readRows(copy)).every((row) => row.group === '')).toBe(true);
    expect((await readJson(join(copy, 'settings.json'))).groupBy).toBe('none');
  });
});

describe("a CSV's group column", () => {
  it('groups a run by it (quoted names with commas and quotes), and the run prints each group\'s means', async () => {
    const csv = join(work, 'kinds.csv');
    const shots = [0, 1, 2].map((i) => join(input, 'screenshots', `shot-${i}.png`));
    const photos = PHOTOS.map((n) => join(input, 'photos', n));
    // the screenshots' group in quotes, with a comma and doubled quotes; one photo has no group
    const body = [...shots.map((p) => `"${p}","Screens, ""UI"""`), `${photos[0]},photo`, `${photos[1]},photo`, `${photos[2]},`].join('\r\n');
    await writeFile(csv, `image_path,group\r\n${body}\r\n`);
    const out = join(work, 'csv-run');
    const r = cli(['run', csv, '--provider', 'bicubic', '--factor', '2', '--format', 'webp', '--quality', '80', '--concurrency', '2', '--out', out, '--json'], work);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.group_by).toBe('column');
    expect(s.groups.map((g: { group: string; counts: { inputs: number } }) => [g.group, g.counts.inputs])).toEqual([
      ['Screens, "UI"', 3],
      ['photo', 2],
      ['(no group)', 1],
    ]);
    const rows = await readRows(out);
    expect(rows.map((x) => x.group)).toEqual(['Screens, "UI"', 'Screens, "UI"', 'Screens, "UI"', 'photo', 'photo', '(no group)']);
    // each group's mean is the mean of its rows
    for (const g of s.groups) {
      const mine = rows.filter((x) => x.group === g.group).map((x) => Number(x.ssimulacra2));
      expect(g.providers[0].mean_ssimulacra2).toBeCloseTo(mine.reduce((a, b) => a + b, 0) / mine.length, 3);
    }
    const lines = r.stderr.split('\n');
    const at = lines.indexOf('per group (column):');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {2}Screens, "UI" \(3 images, saved [\d.]+%\): bicubic SSIMULACRA2 -?[\d.]+$/);
    expect(lines[at + 2]).toMatch(/^ {2}photo \(2 images, saved [\d.]+%\): bicubic SSIMULACRA2 [\d.]+$/);

    // --group-by none leaves the column unused
    const plain = cli(['run', csv, '--group-by', 'none', '--provider', 'bicubic', '--factor', '2', '--concurrency', '2', '--out', join(work, 'csv-none'), '--json'], work);
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).not.toHaveProperty('groups');
    expect(plain.stderr).not.toContain('per group');
    // and a folder has no group column to use
    const bad = cli(['run', input, '--group-by', 'column', '--out', join(work, 'bad')], work);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`upscale-bench: --group-by column needs a CSV with a 'group' column, and ${input} has none; use --group-by folder to group by the first folder level`);
    expect(cli(['run', input, '--group-by', 'kind'], work).stderr).toContain("error: option '--group-by <how>' argument 'kind' is invalid. --group-by must be one of folder, column, none");
  });
});

describe('an s3:// prefix grouped by folder, against s3rver', () => {
  const s3 = new S3Standin(['corpus']);
  let url: string;
  beforeAll(async () => {
    url = await s3.start();
    const client = createS3Client({ endpoint: url, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
    const put = async (Key: string, body: Buffer) => client.send(new PutObjectCommand({ Bucket: 'corpus', Key, Body: body, ContentType: 'image/png' }));
    for (let i = 0; i < 2; i++) await put(`set/screens/shot ${i}.png`, await screenshot(i));
    await put('set/photos/chelsea.png', await sharp(fixture('photos', 'chelsea.png')).resize(120).png().toBuffer());
    await put('set/photos/2024/coffee.png', await sharp(fixture('photos', 'coffee.png')).resize(120).png().toBuffer());
    await put('set/top.png', await screenshot(2));
    await put('elsewhere/x.png', await screenshot(0));
    client.destroy();
  });
  afterAll(() => s3.destroy());

  it('the first key segment below the prefix is the group; objects right under it are the top level', async () => {
    const settings = { ...defaultSettings('s3://corpus/set'), out: join(work, 's3-run'), providers: [{ name: 'bicubic' as const }], concurrency: 2, inputS3: { endpoint: url, region: 'us-east-1' }, groupBy: 'folder' as const };
    const s = await runBatch(settings, { access: { keys: S3RVER_CREDENTIALS } });
    expect(s.status).toBe('completed');
    // listing order: keys sorted
    expect(s.groups!.map((g) => [g.group, g.counts.inputs, g.counts.ok])).toEqual([
      ['photos', 2, 2],
      ['screens', 2, 2],
      ['(top level)', 1, 1],
    ]);
    const rows = await readRows(join(work, 's3-run'));
    expect(Object.fromEntries(rows.map((r) => [r.image_path, r.group]))).toEqual({
      's3://corpus/set/photos/2024/coffee.png': 'photos',
      's3://corpus/set/photos/chelsea.png': 'photos',
      's3://corpus/set/screens/shot 0.png': 'screens',
      's3://corpus/set/screens/shot 1.png': 'screens',
      's3://corpus/set/top.png': '(top level)',
    });
    // a sample's resume reads its recorded picks without listing, and groups them the same way
    const chosen = rows.map((r) => r.image_path);
    const again = await resolveInput('s3://corpus/set', { chosen, groupBy: 'folder' });
    expect(again.items.map((i) => [i.source, i.group])).toEqual(rows.map((r) => [r.image_path, r.group]));
  });

  it('the CLI takes --group-by folder on a prefix and prints each group', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
    const r = await cliAsync(['run', 's3://corpus/set', '--group-by', 'folder', '--provider', 'bicubic', '--factor', '2', '--s3-endpoint', url, '--out', join(work, 's3-cli'), '--json'], work, env);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).groups.map((g: { group: string }) => g.group)).toEqual(['photos', 'screens', '(top level)']);
    expect(r.stderr).toMatch(/per group \(folder\):\n {2}photos \(2 images, saved [\d.]+%\): bicubic SSIMULACRA2 [\d.-]+\n {2}screens \(2 images/);
  });
});

describe('groups through the app handlers', () => {
  it('takes groupBy in a run request, and gives each row its group and the summary its groups', async () => {
    const answers: { folder?: string } = {};
    const { handlers, ended } = await testHandlers(answers);
    answers.folder = input;
    expect(await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' })).toMatchObject({ ok: true, data: { count: 6 } });
    const bad = await dispatch(handlers, 'run:start', { input, providers: ['bicubic'], groupBy: 'kind' as 'folder' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION' } });
    expect((bad as { error: { message: string } }).error.message).toBe('Group by must be folder, column or none.');
    const started = await dispatch(handlers, 'run:start', { input, providers: ['bicubic'], factor: 2, groupBy: 'folder', concurrency: 2 });
    if (!started.ok) throw new Error(started.error.message);
    expect(await ended(started.data.jobId)).toMatchObject({ status: 'completed' });
    const open = await dispatch(handlers, 'runs:open', { runId: started.data.runId });
    if (!open.ok) throw new Error(open.error.message);
    expect(open.data.rows.map((r) => r.group)).toEqual(['photos', 'photos', 'photos', 'screenshots', 'screenshots', 'screenshots']);
    const summary = open.data.summary as { group_by: string; groups: { group: string; providers: { provider: string }[] }[] };
    expect(summary.group_by).toBe('folder');
    expect(summary.groups.map((g) => [g.group, g.providers.map((p) => p.provider)])).toEqual([
      ['photos', ['bicubic']],
      ['screenshots', ['bicubic']],
    ]);
  });
});
