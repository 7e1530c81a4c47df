import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CHANNELS, type Channel, schemas } from '../preload/ipc-contract.js';
import { dispatch } from '../main/ipc/dispatch.js';
import { fixture } from './helpers/images.js';
import { testHandlers } from './helpers/host.js';
import type { Host } from '../main/ipc/host.js';
import { writeOutlierCompact, writeTinyNcnn } from './helpers/tiny-models.js';
import { inferenceTilesRunning, inferenceTilesSent, inferenceWorkersAlive } from '../main/core/inference/inference-worker.js';

const until = (ok: () => boolean, ms = 60_000) =>
  new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (ok()) (clearInterval(poll), resolve());
      else if (Date.now() - t0 > ms) (clearInterval(poll), reject(new Error('timed out waiting')));
    }, 10);
  });

/** Tiles inside onnxruntime at the moment each job's end event is sent: a run that waited for its tile would find none. */
function tilesRunningAtEnd(host: Host): Map<string, number> {
  const at = new Map<string, number>();
  const emit = host.emit;
  host.emit = (e) => {
    if (e.type === 'end') at.set(e.jobId, inferenceTilesRunning());
    emit(e);
  };
  return at;
}

describe('IPC contract', () => {
  it('pins the channel names (domain:action, kebab-case)', () => {
    expect(CHANNELS).toEqual([
      'dialog:pick-input',
      'dialog:pick-output',
      'input:make-csv',
      'input:bucket-prefix',
      'input:image-sizes',
      'run:start',
      'run:cancel',
      'sweep:plan',
      'sweep:start',
      'runs:list',
      'runs:open',
      'runs:delete',
      'runs:resume',
      'image:read',
      'image:heatmap',
      'export:csv',
      'export:settings-csv',
      'export:policy-csv',
      'shell:open-folder',
      'settings:get',
      'settings:set',
      'aws:test-connection',
      'aws:profiles',
      'aws:key-status',
      'aws:set-keys',
      'aws:clear-keys',
      'models:list',
      'dialog:pick-model',
      'models:add',
      'models:remove',
      'models:quantize',
    ]);
    for (const c of CHANNELS) expect(c).toMatch(/^[a-z]+:[a-z]+(-[a-z]+)*$/);
  });
});

describe('every handler refuses malformed and hostile requests', () => {
  const hostile: unknown[] = [null, 42, 'x', [], { extra: 1 }, { runId: '../..' }, { runId: 'a'.repeat(100_000) }, { jobId: { $gt: '' } }, { input: '/etc', providers: ['bicubic'], evil: true }];
  it.each(CHANNELS)('%s', async (channel) => {
    const { handlers } = await testHandlers();
    for (const payload of hostile) {
      const r = await dispatch(handlers, channel, payload);
      if (r.ok) {
        // only requests that are valid for this channel may pass, and then they touched nothing outside
        expect(schemas[channel].safeParse(payload ?? {}).success).toBe(true);
      } else expect(r.error.code).toMatch(/^ERROR_/);
    }
  });

  it('refuses an unknown channel', async () => {
    const { handlers } = await testHandlers();
    expect(await dispatch(handlers, 'fs:read' as never, {})).toMatchObject({ ok: false, error: { code: 'ERROR_UNKNOWN_CHANNEL' } });
  });

  it('starts nothing on a path the user did not choose', async () => {
    const { handlers } = await testHandlers();
    // an s3:// prefix is the user's choice once it was listed through input:bucket-prefix
    for (const input of ['/etc', '/', '../../..', fixture('photos'), 's3://corpus/photos']) {
      const r = await dispatch(handlers, 'run:start', { input, providers: ['bicubic'] });
      expect(r).toMatchObject({ ok: false, error: { message: 'choose the input with the picker first' } });
    }
  });

  it('never reads a run outside the results folder', async () => {
    const { handlers } = await testHandlers();
    for (const runId of ['..', '.', '../etc', 'a/b', '/etc/passwd', '%2e%2e']) {
      const r = await dispatch(handlers, 'image:read', { runId, row: 0, which: 'original' });
      expect(r.ok).toBe(false);
    }
  });

  it('rejects huge strings and wrong types with a validation error', async () => {
    const { handlers } = await testHandlers();
    const r = await dispatch(handlers, 'run:start', { input: 'x'.repeat(5000), providers: ['bicubic'] });
    expect(r).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION' } });
    const t = await dispatch(handlers, 'run:start', { input: 'x', providers: 'bicubic' });
    expect(t).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION', message: 'Providers must be a list.' } });
  });

  it('answers every bad request in words a person uses, never with a schema path or zod text', async () => {
    const { handlers } = await testHandlers();
    const keys = new Set<string>();
    const bad: [Channel, unknown][] = [['settings:set', { lastRun: { quality: 150 } }]];
    const wrong: unknown[] = ['x'.repeat(5000), -1, 1.5, 1e15, {}, [1], 'not-valid', null, true];
    for (const channel of CHANNELS) {
      for (const payload of [null, 42, 'x', [], { extra: 1 }]) bad.push([channel, payload]);
      const shape = (schemas[channel] as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      for (const key of Object.keys(shape)) {
        keys.add(key);
        for (const value of wrong) bad.push([channel, { input: '/x', providers: ['bicubic'], runId: 'r', row: 0, which: 'original', jobId: 'j', kind: 'folder', folder: '/x', uri: 's3://b/x', [key]: value }]);
      }
    }
    for (const key of Object.keys(schemas['run:start'].shape)) for (const value of wrong) bad.push(['settings:set', { lastRun: { [key]: value } }]);
    let refused = 0;
    for (const [channel, payload] of bad) {
      const r = await dispatch(handlers, channel, payload);
      if (r.ok || r.error.code !== 'ERROR_VALIDATION') continue;
      refused++;
      const m = r.error.message;
      const where = `${channel} ${JSON.stringify(payload).slice(0, 80)} → ${m}`;
      expect(m, where).toMatch(/^[A-Z].*\.$/);
      expect(m, where).not.toMatch(/expected|received|too big|too small|invalid input|invalid_|zod|schema|regex|<=|>=|NaN|undefined|\[\d+\]|\b[A-Za-z]+\.[A-Za-z]+/i);
      for (const key of keys) if (/[A-Z]/.test(key)) expect(m, where).not.toContain(key);
    }
    expect(refused).toBeGreaterThan(200);
    expect((await dispatch(handlers, 'settings:set', { lastRun: { quality: 150 } })) as unknown).toMatchObject({ ok: false, error: { message: 'Quality must be 100 or less.' } });
    // a schema a handler checks deeper down is answered in the same words
    const { z } = await import('zod');
    const patched = { ...handlers, 'runs:list': async () => z.object({ storagePricePerGbMonth: z.number().max(10) }).parse({ storagePricePerGbMonth: 99 }) as never };
    expect(await dispatch(patched, 'runs:list', {})).toEqual({ ok: false, error: { code: 'ERROR_VALIDATION', message: 'Storage price ($/GB-month) must be 10 or less.' } });
    expect((await dispatch(handlers, 'run:start', { input: '/x', providers: ['bicubic'], factor: 5 })) as unknown).toMatchObject({ ok: false, error: { message: 'Downscale factor must be 1, 2, 3, 4 or 8.' } });
  });

  it('takes the metrics and a target on any of them, refusing bad ones in words', async () => {
    const { handlers } = await testHandlers();
    const sweep = { input: '/x', providers: ['bicubic'], factors: [2], formats: ['webp'], qualities: [80] };
    const refused = async (channel: Channel, payload: unknown) => {
      const r = await dispatch(handlers, channel, payload);
      return r.ok ? null : r.error.message;
    };
    expect(await refused('run:start', { input: '/x', providers: ['bicubic'], metrics: ['ssim', 'bogus'] })).toBe('Scores must be orb, psnr, ssim, ssimulacra2 or butteraugli.');
    expect(await refused('run:start', { input: '/x', providers: ['bicubic'], metrics: [] })).toBe('Scores: choose at least one.');
    expect(await refused('sweep:plan', { ...sweep, target: { metric: 'ssim', value: 2 } })).toBe('Target: a SSIM target must be above 0 and at most 1.');
    expect(await refused('sweep:plan', { ...sweep, target: { metric: 'butteraugli', value: -1 } })).toBe('Target: a Butteraugli target must be above 0.');
    expect(await refused('sweep:plan', { ...sweep, target: { metric: 'foo', value: 1 } })).toBe('Target metric must be ssimulacra2, ssim, psnr, orb, butteraugli or butteraugli_3norm.');
    expect(await refused('sweep:plan', { ...sweep, target: { metric: 'ssim', value: 0.9 }, targetSsim: 0.9 })).toBe('Target: give a target or a target SSIM, not both.');
    // accepted: a Butteraugli target is scored even when the metrics leave it out; targetSsim alone is still an SSIM target
    const { toSweepSettings } = await import('../main/ipc/jobs.js');
    const parse = (r: object) => toSweepSettings(schemas['sweep:start'].parse({ ...sweep, ...r }), '/x');
    expect(parse({ metrics: ['psnr'], target: { metric: 'butteraugli_3norm', value: 1.2 } })).toMatchObject({ metrics: ['psnr', 'butteraugli'], target: { metric: 'butteraugli_3norm', value: 1.2 } });
    expect(parse({ targetSsim: 0.85 })).toMatchObject({ metrics: ['orb', 'psnr', 'ssim', 'ssimulacra2'], target: { metric: 'ssim', value: 0.85 } });
    expect(parse({}).target).toEqual({ metric: 'ssimulacra2', value: 70 });
    // the statistic the target is on: a percentile is kept, the mean is written as no statistic at all
    expect(await refused('sweep:plan', { ...sweep, target: { metric: 'ssim', value: 0.9, at: 'p20' } })).toMatch(/^Target statistic must be mean, p5, p10, p25 or median/);
    expect(parse({ target: { metric: 'ssimulacra2', value: 70, at: 'p10' } }).target).toEqual({ metric: 'ssimulacra2', value: 70, at: 'p10' });
    expect(parse({ target: { metric: 'ssimulacra2', value: 70, at: 'mean' } }).target).toEqual({ metric: 'ssimulacra2', value: 70 });
  });
});

describe('a whole run through the handlers', () => {
  it('picks, runs two providers, lists, opens, reads images, exports and deletes', async () => {
    const answers: { folder?: string; save?: string } = {};
    const { dir, handlers, events, ended } = await testHandlers(answers);
    const photos = join(dir, 'photos');
    await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
    await cp(fixture('photos', 'rocket.jpg'), join(photos, '=cmd.jpg'));
    answers.folder = photos;
    const picked = await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    expect(picked).toMatchObject({ ok: true, data: { kind: 'folder', count: 2 } });

    const started = await dispatch(handlers, 'run:start', { input: photos, providers: ['local-ai', 'bicubic'], localModel: 'slim' });
    if (!started.ok) throw new Error(started.error.message);
    const end = await ended(started.data.jobId);
    expect(end).toMatchObject({ type: 'end', status: 'completed' });
    expect(events.filter((e) => e.type === 'row')).toHaveLength(4);
    const runId = started.data.runId;

    const list = await dispatch(handlers, 'runs:list', {});
    expect(list.ok && list.data.map((r) => r.runId)).toEqual([runId]);
    const open = await dispatch(handlers, 'runs:open', { runId });
    expect(open.ok && open.data.rows.map((r) => [r.provider, r.status])).toEqual([
      ['local-ai', 'ok'],
      ['bicubic', 'ok'],
      ['local-ai', 'ok'],
      ['bicubic', 'ok'],
    ]);
    for (const which of ['original', 'stored', 'upscaled'] as const) {
      const img = await dispatch(handlers, 'image:read', { runId, row: 0, which });
      expect(img.ok && img.data.mime).toBe('image/png');
    }

    answers.save = join(dir, 'export.csv');
    const exp = await dispatch(handlers, 'export:csv', { runId, rows: [1, 3] });
    expect(exp).toMatchObject({ ok: true, data: { rows: 2 } });
    const text = readFileSync(join(dir, 'export.csv'), 'utf8');
    const header = readFileSync(join(open.ok ? open.data.outDir : '', 'testResults.csv'), 'utf8').split('\n')[0];
    expect(text.split('\n')[0]).toBe(header);
    expect(text.split('\n').filter(Boolean)).toHaveLength(3);
    // the formula-looking file name is escaped exactly once
    expect(text).toContain(",'=cmd.jpg,");
    expect(text).not.toContain("''=");

    // a results CSV edited by hand cannot make the viewer read outside the run
    const csvPath = join(open.ok ? open.data.outDir : '', 'testResults.csv');
    const csv = readFileSync(csvPath, 'utf8');
    const tampered = csv.replace(/,(\/[^,]*?upscaled[^,]*?\.png),/, ',/etc/hostname,');
    expect(tampered).not.toBe(csv);
    await writeFile(csvPath, tampered);
    const outside = await dispatch(handlers, 'image:read', { runId, row: 0, which: 'upscaled' });
    expect(outside).toMatchObject({ ok: false, error: { message: 'upscaled image is outside the run folder' } });

    const del = await dispatch(handlers, 'runs:delete', { runId });
    expect(del).toMatchObject({ ok: true, data: { deleted: true } });
    expect(await readdir(join(dir, 'runs'))).toEqual([]);
  });

  it('cancels a run midway and reports it once', async () => {
    const answers: { folder?: string } = {};
    const { dir, host, handlers, events, ended } = await testHandlers(answers);
    const atEnd = tilesRunningAtEnd(host);
    const photos = join(dir, 'many');
    await mkdir(photos);
    // the first image's tile is long enough to cancel inside; the others are small, so the resume is quick
    const N = 4;
    await cp(fixture('photos', 'coffee.png'), join(photos, 'c0.png'));
    for (let i = 1; i < N; i++) await sharp(fixture('photos', 'coffee.png')).resize(200).toFile(join(photos, `c${i}.png`));
    answers.folder = photos;
    await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    const sent = inferenceTilesSent();
    const started = await dispatch(handlers, 'run:start', { input: photos, providers: ['local-ai'], localModel: 'thick', concurrency: 1 });
    if (!started.ok) throw new Error(started.error.message);
    // cancel while the first tile is inside onnxruntime: the run ends without waiting for it
    await until(() => inferenceTilesSent() > sent);
    expect(await dispatch(handlers, 'run:cancel', { jobId: started.data.jobId })).toMatchObject({ ok: true, data: { cancelled: true } });
    expect(await ended(started.data.jobId)).toMatchObject({ status: 'cancelled' });
    expect(atEnd.get(started.data.jobId)).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'end')).toHaveLength(1);
    // every stage and tile event names its image, and a tile is always part of that image's upscale
    const mine = events.filter((e) => e.jobId === started.data.jobId);
    for (const e of mine) if (e.type === 'tile') expect(e).toMatchObject({ path: expect.stringMatching(/c\d\.png$/), provider: 'local-ai' });
    const keptRows = (await dispatch(handlers, 'runs:open', { runId: started.data.runId })) as { ok: true; data: { rows: unknown[] } };

    // and "Resume" finishes it in the same folder, its counters starting from the rows it keeps
    const resumed = await dispatch(handlers, 'runs:resume', { runId: started.data.runId });
    if (!resumed.ok) throw new Error(resumed.error.message);
    expect(resumed.data).toMatchObject({ runId: started.data.runId, total: N, done: keptRows.data.rows.length, kept: [{ provider: 'local-ai', rows: keptRows.data.rows.length, errors: 0 }] });
    expect(await ended(resumed.data.jobId)).toMatchObject({ status: 'completed' });
    const newRows = events.filter((e) => e.jobId === resumed.data.jobId && e.type === 'row');
    expect(newRows.length + resumed.data.kept[0].rows).toBe(N);
    expect(newRows.at(-1)).toMatchObject({ done: N, total: N });
    // no stage or tile event of an image arrives after its row
    const seq = events.filter((e) => e.jobId === resumed.data.jobId);
    for (const [i, e] of seq.entries()) {
      if (e.type !== 'row') continue;
      expect(seq.slice(i + 1).some((x) => (x.type === 'stage' || x.type === 'tile') && x.index === e.row.row)).toBe(false);
    }
    const open = await dispatch(handlers, 'runs:open', { runId: started.data.runId });
    expect(open.ok && open.data.rows.filter((r) => r.status === 'ok')).toHaveLength(N);
  }, 180_000);
});

describe('the viewer’s difference heat map', () => {
  it('maps a real row’s difference at the original’s size, and refuses rows it cannot map in a plain sentence', async () => {
    const answers: { folder?: string } = {};
    const { dir, handlers, ended } = await testHandlers(answers);
    const photos = join(dir, 'photos');
    await mkdir(photos);
    await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
    await writeFile(join(photos, 'broken.png'), 'not an image');
    answers.folder = photos;
    await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    const started = await dispatch(handlers, 'run:start', { input: photos, providers: ['bicubic'] });
    if (!started.ok) throw new Error(started.error.message);
    await ended(started.data.jobId);
    const { runId } = started.data;
    const open = await dispatch(handlers, 'runs:open', { runId });
    if (!open.ok) throw new Error(open.error.message);
    const ok = open.data.rows.find((r) => r.status === 'ok')!;
    const bad = open.data.rows.find((r) => r.status === 'error')!;

    const map = await dispatch(handlers, 'image:heatmap', { runId, row: ok.row });
    if (!map.ok) throw new Error(map.error.message);
    // no Butteraugli in this run: the plain absolute difference, at the original's size
    expect(map.data).toMatchObject({ mime: 'image/png', kind: 'absolute', width: ok.width, height: ok.height, scaledFrom: null });
    expect(map.data.label).toMatch(/absolute difference/i);
    const png = Buffer.from(map.data.base64, 'base64');
    const heat = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([heat.info.width, heat.info.height]).toEqual([ok.width, ok.height]);
    // each pixel's colour is its place on the scale: none for an unchanged pixel, the top colour from `max` up
    const raw = async (which: 'original' | 'upscaled') => {
      const img = await dispatch(handlers, 'image:read', { runId, row: ok.row, which });
      if (!img.ok) throw new Error(img.error.message);
      return sharp(Buffer.from(img.data.base64, 'base64')).removeAlpha().raw().toBuffer();
    };
    const [a, b] = [await raw('original'), await raw('upscaled')];
    const colour = (i: number) => '#' + [0, 1, 2].map((c) => heat.data[i * heat.info.channels + c].toString(16).padStart(2, '0')).join('');
    let same = 0;
    let over = 0;
    for (let i = 0; i < heat.info.width * heat.info.height; i++) {
      const d = Math.max(...[0, 1, 2].map((c) => Math.abs(a[i * 3 + c] - b[i * 3 + c])));
      if (d === 0) (same++, expect(colour(i)).toBe(map.data.stops[0]));
      if (d >= map.data.max) (over++, expect(colour(i)).toBe(map.data.stops.at(-1)));
    }
    expect(same).toBeGreaterThan(0);
    expect(over).toBeGreaterThan(0);
    expect(map.data.peak).toBeGreaterThanOrEqual(map.data.max);

    expect(await dispatch(handlers, 'image:heatmap', { runId, row: bad.row })).toEqual({
      ok: false,
      error: { code: 'ERROR_BAD_SETTINGS', message: `row ${bad.row} ended in an error: it has no upscaled image to compare` },
    });
    expect(await dispatch(handlers, 'image:heatmap', { runId, row: 99 })).toMatchObject({ ok: false, error: { message: 'run has no row 99' } });
    for (const payload of [{ runId: '../..', row: 0 }, { runId, row: -1 }, { runId, row: 0.5 }, { runId, row: 0, which: 'original' }, { runId }]) {
      const r = await dispatch(handlers, 'image:heatmap', payload);
      expect(r.ok, JSON.stringify(payload)).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/^[a-zA-Z].*[a-z0-9.'’]$/);
    }
    // a results CSV edited by hand cannot make it read outside the run
    const csvPath = join(open.data.outDir, 'testResults.csv');
    const csv = readFileSync(csvPath, 'utf8');
    await writeFile(csvPath, csv.replace(/,(\/[^,]*?upscaled[^,]*?\.png),/, ',/etc/hostname,'));
    expect(await dispatch(handlers, 'image:heatmap', { runId, row: ok.row })).toMatchObject({ ok: false, error: { message: 'upscaled image is outside the run folder' } });
  }, 120_000);
});

describe('cancelling local-ai in the long-lived app process', () => {
  it('survives five runs cancelled mid-tile in a row, then runs a batch to completion', async () => {
    const answers: { folder?: string } = {};
    const { dir, host, handlers, events, ended } = await testHandlers(answers);
    const atEnd = tilesRunningAtEnd(host);
    const photos = join(dir, 'cancel-me');
    for (let i = 0; i < 3; i++) await cp(fixture('photos', 'coffee.png'), join(photos, `c${i}.png`));
    answers.folder = photos;
    await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    for (let n = 0; n < 5; n++) {
      const sent = inferenceTilesSent();
      const started = await dispatch(handlers, 'run:start', { input: photos, providers: ['local-ai'], localModel: 'thick', concurrency: 1 });
      if (!started.ok) throw new Error(started.error.message);
      // cancel while this run's first tile is inside onnxruntime (earlier runs' abandoned tiles may be running too)
      await until(() => inferenceTilesSent() > sent);
      expect(inferenceTilesRunning()).toBeGreaterThan(0);
      expect(await dispatch(handlers, 'run:cancel', { jobId: started.data.jobId })).toMatchObject({ ok: true, data: { cancelled: true } });
      expect(await ended(started.data.jobId)).toMatchObject({ status: 'cancelled' });
      expect(atEnd.get(started.data.jobId)).toBeGreaterThan(0);
    }
    expect(events.filter((e) => e.type === 'end').map((e) => e.type === 'end' && e.status)).toEqual(Array(5).fill('cancelled'));

    const started = await dispatch(handlers, 'run:start', { input: photos, providers: ['local-ai'], localModel: 'slim' });
    if (!started.ok) throw new Error(started.error.message);
    expect(await ended(started.data.jobId)).toMatchObject({ status: 'completed' });
    const open = await dispatch(handlers, 'runs:open', { runId: started.data.runId });
    expect(open.ok && open.data.rows.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    // every worker, the abandoned ones included, released its session and ended by itself
    await until(() => inferenceWorkersAlive() === 0, 120_000);
  }, 480_000); // six thick sessions and five abandoned tiles: 202 s when the machine was ~6 times oversubscribed
});

describe('what the setup and past-runs screens are told', () => {
  it('reads the chosen images’ sizes from their headers, and only for a chosen input', async () => {
    const answers: { folder?: string } = {};
    const { dir, handlers } = await testHandlers(answers);
    const photos = join(dir, 'sizes');
    await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
    await cp(fixture('photos', 'rocket.jpg'), join(photos, 'rocket.jpg'));
    await cp(fixture('corpus', 'text-named.jpg'), join(photos, 'broken.jpg'));
    expect(await dispatch(handlers, 'input:image-sizes', { input: photos })).toMatchObject({ ok: false, error: { message: 'choose the input with the picker first' } });
    answers.folder = photos;
    await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    const r = await dispatch(handlers, 'input:image-sizes', { input: photos });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.data.total).toBe(3);
    const found = r.data.sizes.map((x) => (x ? `${x.width}x${x.height}` : null)).sort();
    expect(found).toEqual(['451x300', '640x427', null].sort());
  });

  it('says where runs really go', async () => {
    const { dir, handlers } = await testHandlers();
    expect(await dispatch(handlers, 'settings:get', {})).toMatchObject({ ok: true, data: { resultsFolder: join(dir, 'runs'), resultsFolderIsDefault: true } });
    expect(await dispatch(handlers, 'settings:set', { sagemakerPricePerHour: 3.5 })).toMatchObject({ ok: true, data: { sagemakerPricePerHour: 3.5, resultsFolder: join(dir, 'runs') } });
  });

  it('lists runs the CLI made in the results folder, with their settings and consistent counts', async () => {
    const { dir, handlers } = await testHandlers();
    const root = join(dir, 'runs');
    await mkdir(root, { recursive: true });
    const BIN = join(import.meta.dirname, '..', 'bin', 'upscale-bench.js');
    const photos = join(dir, 'cli-photos');
    await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
    await cp(fixture('corpus', 'text-named.jpg'), join(photos, 'broken.jpg'));
    const cli = (args: string[]) => spawnSync(process.execPath, [BIN, 'run', photos, '--provider', 'bicubic,lanczos', ...args], { cwd: root, encoding: 'utf8' });
    // run from inside the results folder (TestResults/<timestamp>) and into a named folder with a space
    // broken.jpg's error rows: exit 3
    expect(cli([]).status).toBe(3);
    expect(cli(['--out', join(root, 'trial 1'), '--format', 'webp', '--quality', '70', '--factor', '2']).status).toBe(3);
    const list = await dispatch(handlers, 'runs:list', {});
    if (!list.ok) throw new Error(list.error.message);
    expect(list.data.map((r) => r.runId).sort()).toEqual([expect.stringMatching(/^TestResults\/\d{4}-\d\d-\d\d-/), 'trial 1'].sort());
    const trial = list.data.find((r) => r.runId === 'trial 1')!;
    expect(trial).toMatchObject({ input: photos, inputs: 2, rows: 4, ok: 2, errors: 2, notRun: 0, factor: 2, fit: null, format: 'webp', quality: 70, models: ['bicubic', 'lanczos'] });
    // every one of them opens, and a nested one too
    for (const r of list.data) {
      const open = await dispatch(handlers, 'runs:open', { runId: r.runId });
      expect(open.ok && open.data.rows).toHaveLength(4);
    }
    const nested = list.data.find((r) => r.runId.startsWith('TestResults/'))!;
    const rows = await dispatch(handlers, 'runs:open', { runId: nested.runId });
    const okRow = rows.ok ? rows.data.rows.find((r) => r.status === 'ok')!.row : -1;
    expect(await dispatch(handlers, 'image:read', { runId: nested.runId, row: okRow, which: 'upscaled' })).toMatchObject({ ok: true, data: { mime: 'image/png' } });
    for (const runId of ['TestResults/..', '../runs', 'TestResults/x/y', 'a\\b']) expect((await dispatch(handlers, 'runs:open', { runId })).ok).toBe(false);
  });
});

describe('int8 through the handlers', () => {
  it('lists the int8 build with its cost, and a run asked for int8 says so in its rows', async () => {
    const answers: { folder?: string } = {};
    const { dir, handlers, ended } = await testHandlers(answers);
    const models = await dispatch(handlers, 'models:list', {});
    expect(models.ok && models.data.find((m) => m.name === 'thick')?.int8).toMatchObject({ speed: { mpsOut: expect.any(Number), scale: 4, where: 'reference machine' }, summary: expect.stringMatching(/dB/) });
    expect(models.ok && models.data.find((m) => m.name === 'slim')?.int8).toBeUndefined();
    expect(await dispatch(handlers, 'run:start', { input: dir, providers: ['local-ai'], localPrecision: 'int4' })).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION' } });

    const photos = join(dir, 'one');
    await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
    answers.folder = photos;
    await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    const started = await dispatch(handlers, 'run:start', { input: photos, providers: ['local-ai'], localModel: 'thick', localPrecision: 'int8' });
    if (!started.ok) throw new Error(started.error.message);
    expect(await ended(started.data.jobId)).toMatchObject({ status: 'completed' });
    const open = await dispatch(handlers, 'runs:open', { runId: started.data.runId });
    expect(open.ok && open.data.rows.map((r) => [r.status, r.model])).toEqual([['ok', 'esrgan-thick x4 int8']]);
  });
});

describe('imported models through the handlers', () => {
  it('adds a picked model file with progress, lists it with its scale, runs it by name, removes it', async () => {
    const answers: { folder?: string; model?: string } = {};
    const { dir, handlers, events, ended } = await testHandlers(answers);
    const file = await writeTinyNcnn(dir, 'my net');
    // a path that no dialog returned is refused before anything is read
    expect(await dispatch(handlers, 'models:add', { path: file })).toMatchObject({ ok: false, error: { message: 'choose the model file with the picker first' } });
    expect(await dispatch(handlers, 'dialog:pick-model', {})).toEqual({ ok: true, data: null });
    answers.model = file;
    const picked = await dispatch(handlers, 'dialog:pick-model', {});
    expect(picked).toMatchObject({ ok: true, data: { name: 'my-net' } });
    const added = await dispatch(handlers, 'models:add', { path: file, name: 'my-net' });
    if (!added.ok) throw new Error(added.error.message);
    expect(added.data.model).toMatchObject({ name: 'my-net', kind: 'imported', architecture: expect.stringMatching(/ncnn/), scales: [2], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(events.filter((e) => e.type === 'model-import').map((e) => e.type === 'model-import' && e.stage)).toEqual(['reading', 'converting', 'checking', 'saving']);
    expect(await dispatch(handlers, 'models:add', { path: file, name: 'my-net' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/already in the library/) } });
    expect(await dispatch(handlers, 'models:add', { path: file, name: 'thick' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/built-in/) } });
    // an ONNX file's pixel range: refused for an ncnn pair, whose range is known; a made-up range fails validation
    expect(await dispatch(handlers, 'models:add', { path: file, name: 'other', inputRange: '0-255' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^--input-range is for ONNX files only: my net\.param is an ncnn model/) } });
    const badRange = await dispatch(handlers, 'models:add', { path: file, name: 'other', inputRange: '0-9' } as never);
    expect(badRange).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION' } });
    expect(JSON.stringify(badRange)).not.toMatch(/inputRange/);
    const listed = await dispatch(handlers, 'models:list', {});
    expect(listed.ok && listed.data.map((m) => `${m.name}:${m.kind}:${m.scales.join('/')}`)).toEqual(['thick:built-in:2/3/4/8', 'medium:built-in:2/3/4/8', 'slim:built-in:2/3/4/8', 'my-net:imported:2']);

    const photos = join(dir, 'one');
    await cp(fixture('photos', 'chelsea.png'), join(photos, 'chelsea.png'));
    answers.folder = photos;
    await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
    expect(await dispatch(handlers, 'run:start', { input: photos, providers: ['local-ai'], localModel: 'gone' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/unknown local model 'gone'/) } });
    const started = await dispatch(handlers, 'run:start', { input: photos, providers: ['local-ai'], localModel: 'my-net', factor: 4 });
    if (!started.ok) throw new Error(started.error.message);
    expect(await ended(started.data.jobId)).toMatchObject({ status: 'completed' });
    const open = await dispatch(handlers, 'runs:open', { runId: started.data.runId });
    expect(open.ok && open.data.rows.map((r) => [r.status, r.model, r.notes])).toEqual([['ok', 'my-net x2', 'model is x2, run factor 4: output 226×150 resized with lanczos to 451×300']]);

    expect(await dispatch(handlers, 'models:remove', { name: 'my-net' })).toEqual({ ok: true, data: { removed: 'my-net' } });
    expect(await dispatch(handlers, 'models:remove', { name: 'thick' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/built-in models cannot be removed/) } });
  });

  it('says plainly when the picked file is not a model, and the library stays empty', async () => {
    const answers: { model?: string } = {};
    const { dir, handlers } = await testHandlers(answers);
    answers.model = join(dir, 'notes.pth');
    await writeFile(answers.model, 'these are my notes, not weights\n');
    await dispatch(handlers, 'dialog:pick-model', {});
    const r = await dispatch(handlers, 'models:add', { path: answers.model });
    expect(r).toMatchObject({ ok: false, error: { code: 'ERROR_NOT_A_MODEL', message: expect.stringMatching(/^not a model: notes\.pth is none of the known formats/) } });
    const listed = await dispatch(handlers, 'models:list', {});
    expect(listed.ok && listed.data.filter((m) => m.kind === 'imported')).toEqual([]);
  });

  it('adds a model with an int8 build asked for: a refusal comes in the answer; models:quantize makes one, with progress, listed with its numbers', async () => {
    const answers: { model?: string } = {};
    const { dir, handlers, events } = await testHandlers(answers);
    answers.model = join(dir, 'outlier.safetensors');
    await writeOutlierCompact(answers.model);
    await dispatch(handlers, 'dialog:pick-model', {});
    // the model is added; its int8 build costs more than the bound and is not kept
    const added = await dispatch(handlers, 'models:add', { path: answers.model, int8: true });
    if (!added.ok) throw new Error(added.error.message);
    expect(added.data.int8Refused).toMatch(/^int8 build of 'outlier' refused: on 9 calibration photos brought down ÷2 and upscaled back, it cost \d+\.\d\d dB PSNR against the originals on average relative to fp32 .*: more than the 0\.3 dB bound.*; the model stays fp32-only$/);
    expect(added.data.model).toMatchObject({ name: 'outlier', kind: 'imported' });
    expect(added.data.model.int8).toBeUndefined();
    const stages = () => events.filter((e) => e.type === 'model-int8').map((e) => e.type === 'model-int8' && `${e.model}:${e.stage}`);
    expect(stages()).toEqual(['outlier:calibrating', 'outlier:quantizing', 'outlier:measuring']);

    expect(await dispatch(handlers, 'models:quantize', { name: 'outlier', extra: 1 } as never)).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION' } });
    expect(await dispatch(handlers, 'models:quantize', { name: 'gone' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^unknown local model 'gone'/) } });
    expect(await dispatch(handlers, 'models:quantize', { name: 'outlier' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^int8 build of 'outlier' refused/) } });
    events.length = 0;
    const forced = await dispatch(handlers, 'models:quantize', { name: 'outlier', force: true });
    if (!forced.ok) throw new Error(forced.error.message);
    expect(stages()).toEqual(['outlier:calibrating', 'outlier:quantizing', 'outlier:measuring', 'outlier:saving']);
    const listed = await dispatch(handlers, 'models:list', {});
    const int8 = listed.ok && listed.data.find((m) => m.name === 'outlier')?.int8;
    expect(int8).toMatchObject({ summary: expect.stringMatching(/over the 0\.3 dB bound( and short of the 1\.1× speed-up worth a loss)?, kept with --force$/), quality: { photos: 9, calibration: 'bundled', cost: { boundDb: 0.3, withinBound: false } } });
    expect(int8 && int8.quality!.cost.psnr.mean).toBeLessThan(-0.3);
  });
});

describe('AWS credentials through the handlers', () => {
  it('keeps typed keys in main, shows only a hint, and uses them against the bucket', async () => {
    const { S3Standin, S3RVER_CREDENTIALS } = await import('./servers/s3-standin.js');
    const s3 = new S3Standin(['keys-bucket']);
    const url = await s3.start();
    try {
      const { handlers } = await testHandlers();
      const bad = await dispatch(handlers, 'aws:set-keys', { accessKeyId: 'has space', secretAccessKey: 'x' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'ERROR_VALIDATION' } });

      const wrong = await dispatch(handlers, 'aws:set-keys', { accessKeyId: 'AKIAWRONGWRONGWRONG', secretAccessKey: 'sekrit-wrong-value' });
      expect(JSON.stringify(wrong)).not.toContain('sekrit');
      const refused = await dispatch(handlers, 'aws:test-connection', { bucket: 'keys-bucket', s3Endpoint: url, region: 'us-east-1' });
      expect(refused.ok && refused.data.s3).toMatchObject({ ok: false, message: expect.stringMatching(/the credentials were rejected or lack s3:ListBucket/) });
      expect(JSON.stringify(refused)).not.toContain('sekrit');

      const set = await dispatch(handlers, 'aws:set-keys', S3RVER_CREDENTIALS);
      expect(set).toEqual({ ok: true, data: { stored: true, hint: '…', keychain: true } });
      const works = await dispatch(handlers, 'aws:test-connection', { bucket: 'keys-bucket', s3Endpoint: url, region: 'us-east-1' });
      expect(works.ok && works.data.s3).toEqual({ ok: true, message: "bucket 'keys-bucket' is reachable" });
      await dispatch(handlers, 'aws:clear-keys', {});
      expect(await dispatch(handlers, 'aws:key-status', {})).toEqual({ ok: true, data: { stored: false, hint: null, keychain: true } });
    } finally {
      await s3.destroy();
    }
  });

  it('a run whose store stops answering ends with the sentence that says so, is listed as stopped, and Resume finishes it', async () => {
    const { S3Standin, S3RVER_CREDENTIALS } = await import('./servers/s3-standin.js');
    const s3 = new S3Standin(['gone']);
    const url = await s3.start();
    try {
      const answers: { folder?: string } = {};
      const { dir, handlers, ended } = await testHandlers(answers);
      const photos = join(dir, 'photos');
      for (let i = 0; i < 6; i++) await cp(fixture('photos', 'coffee.png'), join(photos, `c${i}.png`));
      answers.folder = photos;
      await dispatch(handlers, 'dialog:pick-input', { kind: 'folder' });
      await dispatch(handlers, 'aws:set-keys', S3RVER_CREDENTIALS);
      s3.goAwayAfter(4); // two images stored and fetched back
      const request = { input: photos, providers: ['bicubic'], concurrency: 1, store: 's3', bucket: 'gone', s3Endpoint: url, region: 'us-east-1' } as const;
      const started = await dispatch(handlers, 'run:start', request);
      if (!started.ok) throw new Error(started.error.message);
      expect(await ended(started.data.jobId)).toMatchObject({ status: 'stopped', message: expect.stringMatching(/^the S3 store s3:\/\/gone at http:\/\/127\.0\.0\.1:\d+ stopped answering .*Resume in the app's Past runs$/) });
      const list = await dispatch(handlers, 'runs:list', {});
      expect(list.ok && list.data.find((r) => r.runId === started.data.runId)).toMatchObject({ status: 'stopped', inputs: 6, ok: 2, errors: 0, notRun: 4 });

      await s3.start(); // back where it was
      const resumed = await dispatch(handlers, 'runs:resume', { runId: started.data.runId });
      if (!resumed.ok) throw new Error(resumed.error.message);
      expect(await ended(resumed.data.jobId)).toMatchObject({ status: 'completed' });
      const after = await dispatch(handlers, 'runs:list', {});
      expect(after.ok && after.data.find((r) => r.runId === started.data.runId)).toMatchObject({ status: 'completed', ok: 6, errors: 0, notRun: 0 });
    } finally {
      await s3.destroy();
    }
  });

  it('lists profile names from the shared config files', async () => {
    const { dir, handlers } = await testHandlers();
    await writeFile(join(dir, 'config'), '[default]\nregion = us-east-1\n[profile analyst]\nregion = eu-west-1\n');
    await writeFile(join(dir, 'credentials'), '[ci]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = do-not-show\n');
    const env = { ...process.env };
    Object.assign(process.env, { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') });
    try {
      const r = await dispatch(handlers, 'aws:profiles', {});
      expect(r).toEqual({ ok: true, data: { profiles: ['analyst', 'ci', 'default'], selected: null } });
    } finally {
      process.env = env;
    }
  });
});
