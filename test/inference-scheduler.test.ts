import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { ComputeClock } from '../main/core/inference/compute-clock.js';
import { InferenceScheduler } from '../main/core/inference/inference-scheduler.js';
import { InferenceSlots } from '../main/core/inference/inference-slots.js';
import { type TileResult, inferenceTilesRunning, inferenceTilesSent, inferenceWorkersAlive } from '../main/core/inference/inference-worker.js';
import { onnxModelPath } from '../main/core/models/model-files.js';
import { openSession, sessionRunner, type TileRunner, upscaleTiled } from '../main/core/inference/onnx-runner.js';
import { workerPlan } from '../main/core/inference/worker-plan.js';
import { toRaw } from '../main/core/image/raw.js';
import { fixture } from './helpers/images.js';

const photo = (w: number, h: number) => toRaw(sharp(fixture('photos', 'astronaut.png')).resize(w, h).removeAlpha());
const SLIM = onnxModelPath('slim', 4);

/** Samples how many tiles are inside onnxruntime at once while `work` runs. */
async function peakRunning<T>(work: Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, inferenceTilesRunning())), 1);
  try {
    return { value: await work, peak };
  } finally {
    clearInterval(poll);
  }
}

describe('worker plan (measured table)', () => {
  it('follows the measured table: one session of both threads on 2 cores, single-thread sessions on 16', () => {
    expect(workerPlan(2, '')).toEqual({ workers: 1, threadsEach: 2 });
    expect(workerPlan(8, '')).toEqual({ workers: 4, threadsEach: 2 });
    expect(workerPlan(16, '')).toEqual({ workers: 16, threadsEach: 1 });
    expect(workerPlan(1, '')).toEqual({ workers: 1, threadsEach: 1 });
    expect(workerPlan(2, '1x2')).toEqual({ workers: 1, threadsEach: 2 });
    expect(workerPlan(2, 'lots')).toEqual({ workers: 1, threadsEach: 2 });
  });
});

describe('inference scheduler', () => {
  it('runs one image on every worker at once, with the same pixels as one session tile after tile', async () => {
    // enough tiles, each long enough, that the second session opens while the first is still busy
    const img = await photo(160, 128);
    const MEDIUM = onnxModelPath('medium', 4);
    const sched = new InferenceScheduler(MEDIUM, { workers: 2, threadsEach: 1 });
    const opts = { scale: 4, tileSize: 32, overlap: 4 };
    const { value: parallel, peak } = await peakRunning(upscaleTiled(sched.forImage(), img, { ...opts, parallel: 3 }));
    await sched.close();
    expect(peak).toBe(2);
    const session = await openSession(MEDIUM, 1);
    const sequential = await upscaleTiled(sessionRunner(session), img, opts);
    await session.release();
    expect(parallel.width).toBe(640);
    // same tiles through the same graph: any difference could only be a last-bit rounding
    let maxDiff = 0;
    for (let i = 0; i < parallel.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(parallel.data[i] - sequential.data[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('serves the image that started first before later ones, so it never finishes alone on one worker', async () => {
    const sched = new InferenceScheduler(SLIM, { workers: 2, threadsEach: 1 });
    const a = await photo(128, 128); // 16 tiles of 32 px
    const b = await photo(64, 32); // 2 tiles
    const order: string[] = [];
    const run = (name: string, img: typeof a) =>
      upscaleTiled(sched.forImage(), img, { scale: 4, tileSize: 32, overlap: 4, parallel: 3, onTile: (d) => d && order.push(`${name}${d}`) });
    await Promise.all([run('a', a), run('b', b)]);
    await sched.close();
    // b's tiles waited until a had none left in the queue: at most a's last two (running) finish after b's first
    expect(order.indexOf('b1')).toBeGreaterThanOrEqual(order.indexOf('a14'));
    expect(order.filter((x) => x.startsWith('a'))).toHaveLength(16);
  });

  it('on cancel sends no queued tile, lets the running ones end, and its workers end themselves', async () => {
    const alive = inferenceWorkersAlive();
    const sched = new InferenceScheduler(onnxModelPath('medium', 4), { workers: 2, threadsEach: 1 });
    const ac = new AbortController();
    let sentAtCancel = 0;
    const run = upscaleTiled(sched.forImage(), await photo(256, 256), {
      scale: 4,
      tileSize: 32,
      overlap: 4,
      parallel: 3,
      signal: ac.signal,
      onTile: (d) => {
        if (d === 3) {
          sentAtCancel = inferenceTilesSent();
          ac.abort();
        }
      },
    });
    await expect(run).rejects.toThrow(/cancelled/);
    await sched.close();
    expect(inferenceTilesSent()).toBe(sentAtCancel);
    expect(inferenceWorkersAlive()).toBe(alive);
    await expect(upscaleTiled(sched.forImage(), await photo(32, 32), { scale: 4, tileSize: 32, overlap: 4 })).rejects.toThrow(/cancelled/);
  });

  it('releases its idle sessions at once when asked (before a large image is scored), and opens new ones for the next tile', async () => {
    const alive = inferenceWorkersAlive();
    const sched = new InferenceScheduler(SLIM, { workers: 2, threadsEach: 1 });
    const img = await photo(64, 64);
    const once = () => upscaleTiled(sched.forImage(), img, { scale: 4, tileSize: 32, overlap: 4, parallel: 3 });
    await once();
    expect(inferenceWorkersAlive()).toBe(alive + 2);
    sched.releaseIfIdle();
    // released by this call, not by the 1 s idle timer (no timer can fire before the next line)
    expect(sched.sessions).toBe(0);
    // each worker then ends by itself once onnxruntime has let go of its session, however busy the machine
    await vi.waitUntil(() => inferenceWorkersAlive() === alive, { timeout: 30_000, interval: 20 });
    const again = await once();
    expect(again.width).toBe(256);
    await sched.close();
    expect(inferenceWorkersAlive()).toBe(alive);
  });

  it('opens its sessions before the first tile when warmed, and the first tiles run on them', async () => {
    const alive = inferenceWorkersAlive();
    const sent = inferenceTilesSent();
    const sched = new InferenceScheduler(SLIM, { workers: 2, threadsEach: 1 });
    sched.warm();
    sched.warm(); // a second call opens nothing more
    expect(inferenceWorkersAlive()).toBe(alive + 2);
    expect(inferenceTilesSent()).toBe(sent);
    const out = await upscaleTiled(sched.forImage(), await photo(64, 64), { scale: 4, tileSize: 32, overlap: 4, parallel: 3 });
    expect(out.width).toBe(256);
    expect(inferenceWorkersAlive()).toBe(alive + 2); // the warmed workers ran the tiles: none was added
    await sched.close();
    expect(inferenceWorkersAlive()).toBe(alive);
  });

  it('shares the run\'s cores and sessions between models: never more tiles at once than the plan, the oldest image first whatever its model', async () => {
    const slots = new InferenceSlots({ workers: 2, threadsEach: 1 });
    const x4 = new InferenceScheduler(SLIM, slots);
    const x2 = new InferenceScheduler(onnxModelPath('slim', 2), slots);
    const order: string[] = [];
    const logged = (run: TileRunner, name: string): TileRunner => async (d, dims, signal) => {
      const r = await run(d, dims, signal);
      order.push(name);
      return r;
    };
    const a = await photo(96, 96); // 9 tiles of 32 px
    const opts = { tileSize: 32, overlap: 4, parallel: 3 };
    const first = x4.forImage(); // image 0, the ×4 model
    const second = x2.forImage(); // image 1, the ×2 model
    x4.warm();
    x2.warm(); // the run's two sessions are the ×4 model's: the ×2 one opens none
    expect(slots.openSessions).toBe(2);
    let sessions = 0;
    const poll = setInterval(() => (sessions = Math.max(sessions, slots.openSessions)), 1);
    const { value, peak } = await peakRunning(Promise.all([upscaleTiled(logged(first, 'x4'), a, { ...opts, scale: 4 }), upscaleTiled(logged(second, 'x2'), a, { ...opts, scale: 2 })]));
    clearInterval(poll);
    expect(value.map((v) => v.width)).toEqual([384, 192]);
    expect(peak).toBe(2); // separate schedulers would run up to 4: two sessions of each model
    expect(sessions).toBe(2); // the ×2 model's sessions replaced idle ×4 ones instead of adding to them
    // the ×2 image waits behind the ×4 one except for tiles taken while the ×4 image had none left to hand out
    expect(order.slice(0, 6).filter((n) => n === 'x4').length).toBeGreaterThanOrEqual(5);
    expect(order.lastIndexOf('x4')).toBeLessThan(order.lastIndexOf('x2'));
    await Promise.all([x4.close(), x2.close()]);
    expect(slots.busy).toBe(0);
  });

  it("counts an image's tiles on every worker as its compute: within workers × its wall time, with no wait when alone", async () => {
    const sched = new InferenceScheduler(onnxModelPath('medium', 4), { workers: 2, threadsEach: 1 });
    const clock = new ComputeClock();
    const run = sched.forImage(clock);
    const tiles: number[] = [];
    const timed: TileRunner = async (d, dims, signal) => {
      const r = await run(d, dims, signal);
      tiles.push((r as TileResult).ms);
      return r;
    };
    const t0 = performance.now();
    const { peak } = await peakRunning(upscaleTiled(timed, await photo(128, 128), { scale: 4, tileSize: 32, overlap: 4, parallel: 3, clock }));
    const wall = performance.now() - t0;
    await sched.close();
    expect(peak).toBe(2);
    // every tile's time inside onnxruntime, two at once counting twice (compute, not latency), plus a little stitching
    const inside = tiles.reduce((a, b) => a + b, 0);
    expect(tiles).toHaveLength(16);
    expect(clock.busyMs).toBeGreaterThanOrEqual(inside);
    expect(clock.busyMs - inside).toBeLessThan(inside / 2);
    expect(clock.busyMs).toBeLessThanOrEqual(2 * wall);
    expect(clock.waitMs).toBeLessThan(1);
  });

  it("keeps an image's wait for a slot another model holds out of its compute", async () => {
    const slots = new InferenceSlots({ workers: 1, threadsEach: 1 });
    const holder = new InferenceScheduler(onnxModelPath('medium', 4), slots);
    const later = new InferenceScheduler(SLIM, slots);
    const [held, waited] = [new ComputeClock(), new ComputeClock()];
    const opts = { scale: 4, tileSize: 32, overlap: 4, parallel: 2 };
    // the older image (16 tiles of the medium model) keeps the one slot until its last tile
    const first = upscaleTiled(holder.forImage(held), await photo(128, 128), { ...opts, clock: held });
    const second = upscaleTiled(later.forImage(waited), await photo(32, 32), { ...opts, clock: waited });
    await Promise.all([first, second]);
    await Promise.all([holder.close(), later.close()]);
    expect(held.waitMs).toBeLessThan(1);
    // one slim tile waited for most of sixteen medium ones, and that is not its compute
    expect(waited.waitMs).toBeGreaterThan(held.busyMs / 2);
    expect(waited.busyMs).toBeGreaterThan(0);
    expect(waited.busyMs).toBeLessThan(waited.waitMs / 2);
  });

  it('turns a model that will not open into an error for the image, not a crash, warmed or not', async () => {
    const warmed = new InferenceScheduler('/nonexistent/model.onnx', { workers: 2, threadsEach: 1 });
    warmed.warm();
    await expect(upscaleTiled(warmed.forImage(), await photo(64, 64), { scale: 4, tileSize: 32, overlap: 4, parallel: 3 })).rejects.toMatchObject({ code: 'ERROR_PROVIDER' });
    await warmed.close();
    const sched = new InferenceScheduler('/nonexistent/model.onnx', { workers: 2, threadsEach: 1 });
    await expect(upscaleTiled(sched.forImage(), await photo(64, 64), { scale: 4, tileSize: 32, overlap: 4, parallel: 3 })).rejects.toMatchObject({ code: 'ERROR_PROVIDER' });
    await sched.close();
  });
});
