import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { defaultSettings } from '../main/core/pipeline/settings.js';
import { parseResultRow } from '../main/core/results/csv-format.js';
import type { ResultRow } from '../main/core/results/row.js';
import type { RunSummary } from '../main/core/results/summary.js';
import { computeCosts } from '../renderer/src/compute-cost.js';
import { fixture } from './helpers/images.js';

/**
 * upscale_ms is an image's own compute, whatever else is in flight. One inference worker (forced, so a
 * many-core machine queues too) and three images of the same size started together: at concurrency 3 the
 * second waits for the whole of the first's tiles and the third for two images' — waiting that used to be
 * counted as compute (then the mean was ~2× the one at concurrency 1, and the sum ~2× the wall time). The
 * two runs go side by side, each with its own worker, so both meet the same load from anything else.
 */
const WORKERS = 1;
const IMAGES = 3;

interface Run {
  summary: RunSummary;
  rows: ResultRow[];
}

describe('upscale time is compute, not waiting for a slot', () => {
  const was = process.env.UPSCALE_BENCH_WORKERS;
  let input: string;
  let c1: Run;
  let c3: Run;

  const run = async (concurrency: number): Promise<Run> => {
    const out = join(input, '..', `out-c${concurrency}`);
    const summary = await runBatch({
      ...defaultSettings(input),
      out,
      // thick: tiles of dense compute, so the images' reading and scoring are small beside them
      providers: [{ name: 'local-ai', model: 'thick', tileSize: 48 }],
      concurrency,
    });
    const records = parse(readFileSync(join(out, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    return { summary, rows: records.map(parseResultRow) };
  };

  beforeAll(async () => {
    process.env.UPSCALE_BENCH_WORKERS = `${WORKERS}x1`;
    input = join(await mkdtemp(join(tmpdir(), 'timing-')), 'in');
    await mkdir(input);
    // three different 320×320 crops (80×80 stored at ÷4: four tiles each)
    const src = fixture('photos', 'motorcycle_left.png');
    for (let i = 0; i < IMAGES; i++) await sharp(src).extract({ left: 200 * i, top: 60 + 30 * i, width: 320, height: 320 }).png().toFile(join(input, `crop${i}.png`));
    // side by side, so that both meet the same load from whatever else the machine is doing
    [c1, c3] = await Promise.all([run(1), run(3)]);
  }, 600_000);

  afterAll(() => {
    if (was === undefined) delete process.env.UPSCALE_BENCH_WORKERS;
    else process.env.UPSCALE_BENCH_WORKERS = was;
  });

  const byImage = (r: Run) => new Map(r.rows.map((row) => [row.image_path, row]));

  it('the batch ran, one worker thread per session, every row with its own time', () => {
    for (const r of [c1, c3]) {
      expect(r.summary.status).toBe('completed');
      expect(r.rows.map((x) => x.status)).toEqual(Array(IMAGES).fill('ok'));
      for (const row of r.rows) {
        expect(row.upscale_ms).toBeGreaterThan(0);
        expect(row.upscale_threads).toBe(1);
      }
    }
  });

  it('an image that waited for a slot says so in wait_ms; at concurrency 1 none waits', () => {
    const waits = c3.rows.map((r) => r.wait_ms!).sort((a, b) => a - b);
    // the second and third images queued behind the first's tiles
    expect(waits[1]).toBeGreaterThan(0);
    expect(waits[2]).toBeGreaterThan(0);
    // the last waited at least one other image's whole compute: the waiting here is large and certain
    expect(waits[2]).toBeGreaterThanOrEqual(Math.min(...c3.rows.map((r) => r.upscale_ms!)));
    expect(c1.rows.map((r) => r.wait_ms)).toEqual(Array(IMAGES).fill(0));
  });

  it('gives the images about the same upscale_ms at concurrency 3 as at concurrency 1', () => {
    const one = byImage(c1);
    const each = c3.rows.map((r) => `${r.image_path}: ${r.upscale_ms} ms (waited ${r.wait_ms}) against ${one.get(r.image_path)!.upscale_ms} ms`).join('; ');
    const mean = (r: Run) => r.summary.providers[0].mean_upscale_ms!;
    // generous, as busy time stretches when the machine is loaded; counting the wait made it ~2×
    expect(mean(c3) / mean(c1), each).toBeGreaterThan(0.6);
    expect(mean(c3) / mean(c1), each).toBeLessThan(1.6);
  });

  it('never sums to more than workers × wall time', () => {
    for (const r of [c1, c3]) {
      const sum = r.rows.reduce((a, x) => a + x.upscale_ms!, 0);
      expect(sum).toBe(r.summary.providers[0].total_upscale_ms);
      expect(sum).toBeLessThanOrEqual(WORKERS * r.summary.wall_ms);
    }
  });

  it('bases the compute cost on busy core-seconds, which do not depend on concurrency', () => {
    const [a, b] = [c1, c3].map((r) => computeCosts(r.rows)[0]);
    expect(a.coreSecondsPerImage).toBeCloseTo(a.secondsPerImage! * 1, 10); // one thread per session here
    expect(b.coreSecondsPerImage! / a.coreSecondsPerImage!).toBeGreaterThan(0.6);
    expect(b.coreSecondsPerImage! / a.coreSecondsPerImage!).toBeLessThan(1.6);
    // summary.json counts them the same way as the app
    expect(c3.summary.providers[0].mean_upscale_core_s).toBeCloseTo(b.coreSecondsPerImage!, 6);
  });
});
