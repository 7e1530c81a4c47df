import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { BenchError, raceAbort, throwIfAborted } from '../errors.js';
import type { RawImage } from '../image/raw.js';
import { type Rect, planTiles } from './tiling.js';
import type { ComputeClock } from './compute-clock.js';

/**
 * Runs the graph on one NCHW tile; in runs this happens in a worker thread (see inference-scheduler). A
 * two-stage model names the graph (`stage`: 'body' or 'head'); a plain model has one.
 */
export type TileRunner = (data: Float32Array, dims: number[], signal?: AbortSignal, stage?: string) => Promise<{ data: Float32Array; dims: readonly number[] }>;

export interface TiledRunOptions {
  scale: number;
  tileSize: number;
  overlap: number;
  /** Tile windows start on multiples of this (an imported model's sizeMultiple); default 1. */
  align?: number;
  signal?: AbortSignal;
  onTile?: (done: number, total: number) => void;
  /** Tiles handed to the runner at once (default 1: one after the other). */
  parallel?: number;
  /** Receives the time spent building tiles and stitching their results (the runner times the tiles). */
  clock?: ComputeClock;
}

/**
 * `memPattern`: onnxruntime plans one block per input shape after a shape's first run; for a two-stage
 * model's large body windows that block did not fit in the arena the first run grew, and a second run of
 * the same 454² window grew RRDBNet's body from 751 to 1276 MB (without it: 748, 832, 881, steady).
 */
export async function openSession(path: string, threads: number, memPattern = true): Promise<ort.InferenceSession> {
  // Read through Node's fs so a model inside the packaged app's asar archive loads too.
  const bytes = await readFile(path);
  return openSessionFrom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), threads, memPattern);
}

/** A session on a graph in memory, made as runs make theirs (an int8 build is measured before it is kept). */
export function openSessionFrom(bytes: Uint8Array, threads: number, memPattern = true): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    // 0 lets onnxruntime take every core (one-off commands); a batch passes its share.
    intraOpNumThreads: Math.max(0, threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: memPattern,
    // Threads that spin while they wait hold a core that an image's decode or scoring could use: with a
    // busy single-thread job beside a 2-thread session, thick went 0.148 → 0.168 MP/s and the job got
    // 79% of a core instead of 72%; alone it made no difference (0.349 / 0.343 MP/s).
    extra: { session: { 'intra_op.allow_spinning': '0', 'inter_op.allow_spinning': '0' } },
  });
}

/**
 * A runner on sessions in this thread (tests, benchmarks): one session, or one per stage of a two-stage
 * model. Note: it blocks this thread while it runs.
 */
export function sessionRunner(sessions: ort.InferenceSession | Record<string, ort.InferenceSession>): TileRunner {
  return async (data, dims, _signal, stage) => {
    const byStage = 'run' in sessions ? undefined : (sessions as Record<string, ort.InferenceSession>);
    const session = !byStage ? (sessions as ort.InferenceSession) : stage !== undefined ? byStage[stage] : Object.values(byStage)[0];
    if (!session) throw new Error(`no ${stage} graph`);
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, dims) });
    const t = out[session.outputNames[0]] as ort.Tensor;
    return { data: t.data as Float32Array, dims: t.dims };
  };
}

/**
 * Runs an RGB image through a 0–255 NCHW super-resolution graph tile by tile, with up to `o.parallel`
 * tiles handed to the runner at once (a scheduler with several workers); progress counts finished tiles.
 */
export async function upscaleTiled(runTile: TileRunner, img: RawImage, o: TiledRunOptions): Promise<RawImage> {
  if (img.channels !== 3) throw new Error('upscaleTiled expects RGB');
  const { width, height } = img;
  const s = o.scale;
  const outW = width * s;
  const outH = height * s;
  const out = Buffer.alloc(outW * outH * 3);
  const tiles = planTiles(width, height, o.tileSize, o.overlap, o.align ?? 1);
  // A failed tile stops this image's other lanes too; their tiles still running finish unseen.
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  let next = 0;
  let done = 0;
  o.onTile?.(0, tiles.length);
  const lane = async () => {
    while (next < tiles.length) {
      throwIfAborted(signal);
      const { window: win, crop } = tiles[next++];
      // Only the tiles in flight hold their float planes: a lane builds its next input when it needs it.
      let t0 = performance.now();
      const input = planarWindow(img, win);
      o.clock?.add(performance.now() - t0);
      let y4: Float32Array;
      try {
        // A tile cannot be interrupted; on cancel we stop waiting and it finishes unseen in its worker.
        y4 = (await raceAbort(runTile(input, [1, 3, win.h, win.w], signal), signal)).data;
      } catch (err) {
        if (err instanceof BenchError) throw err;
        throw new BenchError('ERROR_PROVIDER', `local model failed on a ${win.w}×${win.h} tile: ${(err as Error).message}`, { cause: err });
      }
      t0 = performance.now();
      const tw = win.w * s;
      const tPlane = tw * win.h * s;
      for (let y = crop.y * s; y < (crop.y + crop.h) * s; y++) {
        let dst = ((win.y * s + y) * outW + (win.x + crop.x) * s) * 3;
        for (let x = crop.x * s; x < (crop.x + crop.w) * s; x++, dst += 3) {
          const i = y * tw + x;
          out[dst] = clampByte(y4[i]);
          out[dst + 1] = clampByte(y4[tPlane + i]);
          out[dst + 2] = clampByte(y4[2 * tPlane + i]);
        }
      }
      o.clock?.add(performance.now() - t0);
      o.onTile?.(++done, tiles.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel ?? 1, tiles.length)) }, lane));
  } catch (err) {
    stop.abort();
    throwIfAborted(o.signal);
    throw err;
  }
  return { data: out, width: outW, height: outH, channels: 3 };
}

/** A window of an interleaved RGB image as the NCHW float planes the graphs read (values 0–255). */
export function planarWindow(img: RawImage, win: Rect = { x: 0, y: 0, w: img.width, h: img.height }): Float32Array {
  const plane = win.w * win.h;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < win.h; y++) {
    let src = ((win.y + y) * img.width + win.x) * 3;
    const row = y * win.w;
    for (let x = 0; x < win.w; x++, src += 3) {
      out[row + x] = img.data[src];
      out[plane + row + x] = img.data[src + 1];
      out[2 * plane + row + x] = img.data[src + 2];
    }
  }
  return out;
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

