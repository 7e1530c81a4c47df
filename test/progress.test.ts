import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReporter, duration, inFlightText } from '../main/cli/progress.js';
import type { RunEvent } from '../main/core/pipeline/events.js';
import { RunProgress } from '../main/core/pipeline/run-progress.js';
import { emptyRow } from '../main/core/results/row.js';

const start = (total: number, done = 0): RunEvent => ({ type: 'start', total, done, kept: [], providers: ['local-ai'], outDir: '/out', rows: total, keptRows: 0, settings: 1, providerRows: { 'local-ai': total } });
const stage = (index: number, path: string, s: 'read' | 'upscale' | 'score'): RunEvent => ({ type: 'stage', index, path, stage: s, provider: s === 'read' ? undefined : 'local-ai' });
const tile = (index: number, path: string, done: number, total: number): RunEvent => ({ type: 'tile', index, path, provider: 'local-ai', done, total });
const finish = (index: number, done: number, total: number): RunEvent[] => [
  { type: 'row', index, row: { ...emptyRow('x', 'local-ai', 'm'), status: 'ok' }, done, total },
  { type: 'image-done', index, done, total },
];

describe('run progress (CLI bar and app)', () => {
  it('has no ETA before any work is done ("–", never "0s")', () => {
    const p = new RunProgress();
    p.update(start(4), 0);
    p.update(stage(0, '/in/a.png', 'read'), 10);
    p.update(stage(0, '/in/a.png', 'upscale'), 20);
    p.update(tile(0, '/in/a.png', 0, 4), 30);
    expect(p.etaSeconds(5000)).toBeNull();
    expect(duration(p.etaSeconds(5000))).toBe('–');
  });

  it('moves the ETA with every tile, before any image has finished, and counts down between tiles', () => {
    const p = new RunProgress();
    p.update(start(2), 0);
    p.update(tile(0, '/in/a.png', 0, 4), 0);
    p.update(tile(0, '/in/a.png', 1, 4), 10_000);
    // 1 tile in 10 s; 3 left of this image and another image assumed as large (4): 70 s
    expect(p.etaSeconds(10_000)).toBeCloseTo(70, 5);
    expect(p.etaSeconds(15_000)).toBeCloseTo(65, 5);
    p.update(tile(0, '/in/a.png', 2, 4), 16_000);
    // 2 tiles in 16 s: 8 s a tile, 6 tiles left
    expect(p.etaSeconds(16_000)).toBeCloseTo(48, 5);
  });

  it('names the image each tile belongs to when several are in flight', () => {
    const p = new RunProgress();
    p.update(start(3));
    p.update(stage(0, '/in/forest_path.png', 'upscale'));
    p.update(tile(0, '/in/forest_path.png', 3, 12));
    p.update(stage(1, '/in/cats/chelsea.png', 'upscale'));
    p.update(tile(1, '/in/cats/chelsea.png', 9, 12));
    p.update(stage(0, '/in/forest_path.png', 'score'));
    expect(inFlightText(p, 200)).toBe('forest_path.png score · chelsea.png upscale 9/12');
    for (const e of finish(0, 1, 3)) p.update(e);
    expect(inFlightText(p, 200)).toBe('chelsea.png upscale 9/12');
    expect(inFlightText(p, 10)).toBe('chelsea.p…');
  });

  it("shows a remote provider's requests in flight beside its tiles", () => {
    const p = new RunProgress();
    p.update(start(2));
    p.update({ ...tile(0, '/in/photo.jpg', 5, 20), provider: 'sagemaker', inFlight: 4 });
    expect(inFlightText(p, 200)).toBe('photo.jpg upscale 5/20 (4 in flight)');
    p.update({ ...tile(0, '/in/photo.jpg', 20, 20), provider: 'sagemaker', inFlight: 0 });
    expect(inFlightText(p, 200)).toBe('photo.jpg upscale 20/20');
  });

  it('counts a resumed run from its kept images, and its rate from its own', () => {
    const p = new RunProgress();
    p.update(start(4, 1), 0);
    expect([p.done, p.doneHere]).toEqual([1, 0]);
    for (const e of finish(2, 2, 4)) p.update(e, 5000);
    expect([p.done, p.doneHere]).toEqual([2, 1]);
    // an image without tiles (bicubic) is one unit: 1 in 5 s, 2 images left
    expect(p.etaSeconds(5000)).toBeCloseTo(10, 5);
  });

  it('keeps counting when a sweep upscales the same image again for its next setting', () => {
    const p = new RunProgress();
    p.update(start(1), 0);
    p.update(tile(0, '/in/a.png', 0, 2), 0);
    p.update(tile(0, '/in/a.png', 2, 2), 4000);
    p.update(tile(0, '/in/a.png', 0, 2), 4000);
    p.update(tile(0, '/in/a.png', 1, 2), 6000);
    // 3 tiles in 6 s, 1 left
    expect(p.etaSeconds(6000)).toBeCloseTo(2, 5);
  });

  it("counts a sweep's settings an image has not started: the last image's last tile is not the end", () => {
    const p = new RunProgress();
    // one image, three settings: three rows
    p.update({ ...start(1), rows: 3, settings: 3 }, 0);
    p.update(tile(0, '/in/a.png', 0, 2), 0);
    p.update(tile(0, '/in/a.png', 2, 2), 4000);
    p.update(finish(0, 0, 1)[0], 4000); // the first setting's row
    // 2 tiles in 4 s; the two settings not started are as large as the first: 4 tiles, 8 s
    expect(p.etaSeconds(4000)).toBeCloseTo(8, 5);
    p.update(tile(0, '/in/a.png', 0, 2), 4000);
    p.update(tile(0, '/in/a.png', 1, 2), 6000);
    // 3 tiles in 6 s: 1 left of this setting, 2 of the last
    expect(p.etaSeconds(6000)).toBeCloseTo(6, 5);
  });

  it('gives a bad file no weight: one refused image first does not make the ETA 0', () => {
    const p = new RunProgress();
    p.update(start(3), 0);
    p.update({ type: 'row', index: 0, row: { ...emptyRow('bad.jpg', 'local-ai', 'm'), status: 'error' }, done: 1, total: 3 }, 50);
    p.update({ type: 'image-done', index: 0, done: 1, total: 3 }, 50);
    expect(p.etaSeconds(50)).toBeNull();
    p.update(tile(1, '/in/a.png', 0, 1), 100);
    p.update(tile(1, '/in/a.png', 1, 1), 10_100);
    // one tile in 10.1 s; the last image assumed one tile as well
    expect(p.etaSeconds(10_100)).toBeCloseTo(10.1, 1);
  });

  it('formats durations with their units', () => {
    expect([duration(null), duration(0.4), duration(59), duration(61), duration(3725)]).toEqual(['–', '0s', '59s', '1m 01s', '1h 02m']);
  });
});

describe('the CLI progress written to a log (stderr not a terminal)', () => {
  afterEach(() => void vi.useRealTimers());

  it('carries the ETA, with its unit, on lines that follow the tiles within an image, not only between images', () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const report = createReporter(new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) as unknown as NodeJS.WriteStream);
    const at = (ms: number, e: RunEvent) => (vi.setSystemTime(ms), report(e));
    // two images of six tiles, each tile 10 s (the shape of the 1.3 MP photo with thick)
    at(0, start(2));
    for (const [index, path, t0] of [[0, '/in/a.png', 0], [1, '/in/b.png', 61_000]] as const) {
      at(t0, stage(index, path, 'upscale'));
      for (let k = 0; k <= 6; k++) at(t0 + k * 10_000, tile(index, path, k, 6));
      for (const e of finish(index, index + 1, 2)) at(t0 + 61_000, e);
    }
    report.stop();
    const lines = chunks.join('').split('\n');
    const etaOf = (l: string) => /ETA ([^)]+)\)$/.exec(l)?.[1];
    const a = lines.filter((l) => / a\.png upscale [1-5]\/6 /.test(l));
    const b = lines.filter((l) => / b\.png upscale [1-5]\/6 /.test(l));
    expect(a.map((l) => /upscale (\d)\/6/.exec(l)![1])).toEqual(['1', '2', '3', '4', '5']);
    // after k tiles in 10k s: 6 - k tiles of this image and 6 of the next, 10 s each
    expect(a.map(etaOf)).toEqual(['1m 50s', '1m 40s', '1m 30s', '1m 20s', '1m 10s']);
    // the second image: 6 - k tiles left at (61 + 10k) s per (6 + k) tiles
    expect(b.map(etaOf)).toEqual([1, 2, 3, 4, 5].map((k) => duration(((6 - k) * (61 + 10 * k)) / (6 + k))));
    expect(new Set(b.map(etaOf)).size).toBe(5);
    // each row's line has it too, counted down from the last tile
    const rowLines = lines.filter((l) => /^\[\d\/2\] local-ai/.test(l));
    expect(rowLines.map(etaOf)).toEqual(['59s', '0s']);
  });
});
