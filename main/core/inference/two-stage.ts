/**
 * Seamless tiles for a model split at its first upsampling (models/graph/split-stages.ts), in two stages:
 * 1. the body on large low-resolution tiles, each window carrying the overlap the body's reach needs plus
 *    the head's, so the features it returns are exact wherever a head tile reads them;
 * 2. the head on those features in small sub-tiles with the few pixels of overlap it needs.
 * A deep body (RRDBNet's 23 blocks) needs ~48 px of context but little memory per pixel, so its tiles can be
 * large and the overlap's recomputation small; the head needs 2–3 px but holds its activations at the
 * output's resolution, so only its sub-tiles have to be small. One body tile's features are alive per lane.
 */
import { BenchError, raceAbort, throwIfAborted } from '../errors.js';
import type { RawImage } from '../image/raw.js';
import type { StageFacts } from '../models/graph/split-stages.js';
import type { ComputeClock } from './compute-clock.js';
import { planarWindow, type TileRunner } from './onnx-runner.js';
import { type Rect, planFixedTiles } from './tiling.js';

export interface TwoStageOptions {
  facts: Pick<StageFacts, 'featureStride' | 'headScale' | 'headOverlap'>;
  /** Body cell side in input pixels (before its overlap). */
  tileSize: number;
  /** Context the body needs on each inner side of its window, in input pixels. */
  overlap: number;
  /** Head cell side in feature pixels (before its overlap). */
  headTileSize: number;
  /** Body windows start on multiples of this (the model's sizeMultiple); default 1. */
  align?: number;
  /** Overrides the head's overlap (feature pixels); the tests use it to show what too little does. */
  headOverlap?: number;
  signal?: AbortSignal;
  /** Counts tiles of both stages: body tiles and head sub-tiles. */
  onTile?: (done: number, total: number) => void;
  /** Tiles of this image handed to the runner at once (the scheduler's workers + 1); default 1. */
  parallel?: number;
  /** Body tiles in progress at once, each holding its features (default 1). */
  bodyLanes?: number;
  clock?: ComputeClock;
}

interface BodyTile {
  /** The window in feature pixels and the cell kept from it (window coordinates). */
  window: Rect;
  crop: Rect;
  /** The input pixels the window covers. */
  input: Rect;
  heads: HeadTile[];
}

/** A head sub-tile: the features it reads and the cell of them it keeps (body-window coordinates). */
interface HeadTile {
  window: Rect;
  cell: Rect;
}

/**
 * Body tiles on the feature grid and, inside each kept cell, the head's sub-cells. Every body window has
 * the same size (tileSize plus the context on both sides, or the image's side), and so does every head
 * window: onnxruntime keeps an arena per shape (see planFixedTiles).
 */
export function planTwoStage(width: number, height: number, o: Pick<TwoStageOptions, 'facts' | 'tileSize' | 'overlap' | 'headTileSize' | 'align' | 'headOverlap'>): BodyTile[] {
  const stride = o.facts.featureStride;
  const headOverlap = o.headOverlap ?? o.facts.headOverlap;
  const fw = Math.ceil(width / stride);
  const fh = Math.ceil(height / stride);
  // windows start on the model's grid, in feature pixels (an unshuffling stem's grid is the feature grid)
  const alignF = Math.max(1, lcm(o.align ?? 1, stride) / stride);
  // the body's own reach, plus the head's: the features a head sub-tile reads around its cell are exact
  const overlapF = Math.ceil(o.overlap / stride) + headOverlap;
  const windowF = Math.max(1, Math.floor(o.tileSize / stride)) + 2 * overlapF + (alignF - 1);
  const headWindow = o.headTileSize + 2 * headOverlap;
  return planFixedTiles(fw, fh, windowF, overlapF, alignF).map(({ window, crop }) => {
    const input = { x: window.x * stride, y: window.y * stride, w: Math.min(width, (window.x + window.w) * stride) - window.x * stride, h: Math.min(height, (window.y + window.h) * stride) - window.y * stride };
    return { window, crop, input, heads: headTiles(crop, window.w, window.h, headWindow, headOverlap) };
  });
}

/**
 * The head's sub-tiles over a body cell: fixed windows over the cell and the context around it within the
 * features (`fw` × `fh`, the body's output), each keeping its part of the cell.
 */
function headTiles(crop: Rect, fw: number, fh: number, headWindow: number, headOverlap: number): HeadTile[] {
  const x = Math.max(0, crop.x - headOverlap);
  const y = Math.max(0, crop.y - headOverlap);
  const w = Math.min(fw, crop.x + crop.w + headOverlap) - x;
  const h = Math.min(fh, crop.y + crop.h + headOverlap) - y;
  return planFixedTiles(w, h, headWindow, headOverlap)
    .map((t) => ({
      window: { x: x + t.window.x, y: y + t.window.y, w: t.window.w, h: t.window.h },
      cell: intersect({ x: x + t.window.x + t.crop.x, y: y + t.window.y + t.crop.y, w: t.crop.w, h: t.crop.h }, crop),
    }))
    .filter((t) => t.cell.w > 0 && t.cell.h > 0);
}

function intersect(a: Rect, b: Rect): Rect {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  return { x, y, w: Math.min(a.x + a.w, b.x + b.w) - x, h: Math.min(a.y + a.h, b.y + b.h) - y };
}

/** Runs an RGB image through a two-stage model (0–255 in and out) and stitches the head's output. */
export async function upscaleTwoStage(runTile: TileRunner, img: RawImage, o: TwoStageOptions): Promise<RawImage> {
  if (img.channels !== 3) throw new Error('upscaleTwoStage expects RGB');
  const { width, height } = img;
  const S = o.facts.headScale;
  const stride = o.facts.featureStride;
  const headOverlap = o.headOverlap ?? o.facts.headOverlap;
  const outW = (width * S) / stride;
  const outH = (height * S) / stride;
  const out = Buffer.alloc(outW * outH * 3);
  const plan = planTwoStage(width, height, o);
  let total = plan.reduce((n, t) => n + 1 + t.heads.length, 0);
  const headWindow = o.headTileSize + 2 * headOverlap;
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  let done = 0;
  const tick = () => o.onTile?.(++done, total);
  o.onTile?.(0, total);

  // at most `parallel` tiles of this image with the runner at once, whichever lane they come from
  const slots = new Slots(Math.max(1, o.parallel ?? 1));
  const run = async (data: Float32Array, dims: number[], stage: 'body' | 'head', what: string) => {
    await slots.take();
    try {
      throwIfAborted(signal);
      // A tile cannot be interrupted; on cancel we stop waiting and it finishes unseen in its worker.
      return await raceAbort(runTile(data, dims, signal, stage), signal);
    } catch (err) {
      if (err instanceof BenchError) throw err;
      throw new BenchError('ERROR_PROVIDER', `local model failed on a ${what}: ${(err as Error).message}`, { cause: err });
    } finally {
      slots.give();
    }
  };

  const body = async (t: BodyTile) => {
    let t0 = performance.now();
    const input = planarWindow(img, t.input);
    o.clock?.add(performance.now() - t0);
    const f = await run(input, [1, 3, t.input.h, t.input.w], 'body', `${t.input.w}×${t.input.h} tile`);
    tick();
    const [, C, fh, fw] = f.dims;
    // A graph that pads to a multiple returns more features than its window at the image's edge; the
    // whole-image head reads them there too, so the sub-tiles do.
    let heads = t.heads;
    if (fw !== t.window.w || fh !== t.window.h) {
      heads = headTiles(t.crop, fw, fh, headWindow, headOverlap);
      total += heads.length - t.heads.length;
    }
    // head sub-tiles, `parallel` at a time
    let next = 0;
    const lane = async () => {
      while (next < heads.length) {
        throwIfAborted(signal);
        const { window: win, cell } = heads[next++];
        t0 = performance.now();
        const sub = featureWindow(f.data, C, fw, fh, win);
        o.clock?.add(performance.now() - t0);
        const y = await run(sub, [1, C, win.h, win.w], 'head', `${win.w}×${win.h} feature tile`);
        t0 = performance.now();
        stitch(out, outW, outH, y.data, win, cell, t.window, S);
        o.clock?.add(performance.now() - t0);
        tick();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel ?? 1, heads.length)) }, lane));
  };

  let nextBody = 0;
  const bodyLane = async () => {
    while (nextBody < plan.length) {
      throwIfAborted(signal);
      await body(plan[nextBody++]);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.bodyLanes ?? 1, plan.length)) }, bodyLane));
  } catch (err) {
    stop.abort();
    throwIfAborted(o.signal);
    throw err;
  }
  return { data: out, width: outW, height: outH, channels: 3 };
}

/** A window of C planes of fw×fh features. */
function featureWindow(f: Float32Array, C: number, fw: number, fh: number, win: Rect): Float32Array {
  const out = new Float32Array(C * win.w * win.h);
  let at = 0;
  for (let c = 0; c < C; c++)
    for (let y = 0; y < win.h; y++) {
      const src = (c * fh + win.y + y) * fw + win.x;
      out.set(f.subarray(src, src + win.w), at);
      at += win.w;
    }
  return out;
}

/** Writes the head output's `cell` (feature pixels, body-window coordinates) into the image, clipped to it. */
function stitch(out: Buffer, outW: number, outH: number, y: Float32Array, win: Rect, cell: Rect, bodyWindow: Rect, S: number): void {
  const tw = win.w * S;
  const plane = tw * win.h * S;
  const gx0 = (bodyWindow.x + cell.x) * S;
  const gy0 = (bodyWindow.y + cell.y) * S;
  const w = Math.min(cell.w * S, outW - gx0);
  const h = Math.min(cell.h * S, outH - gy0);
  const lx0 = (cell.x - win.x) * S;
  const ly0 = (cell.y - win.y) * S;
  for (let yy = 0; yy < h; yy++) {
    let dst = ((gy0 + yy) * outW + gx0) * 3;
    let i = (ly0 + yy) * tw + lx0;
    for (let xx = 0; xx < w; xx++, dst += 3, i++) {
      out[dst] = clampByte(y[i]);
      out[dst + 1] = clampByte(y[plane + i]);
      out[dst + 2] = clampByte(y[2 * plane + i]);
    }
  }
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));
const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

/** A counting semaphore: the image's tiles with the runner at once. */
class Slots {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((res) => this.waiting.push(res));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Memory each worker's body and head sessions may take for activations. Each body tile gets the largest
 * window this allows (RRDBNet-23: up to ~410 px at 64 features, against ~196 px for the whole net at x4), so
 * its overlap is recomputed far less; the head's sub-tiles are as large as thick's tiles. Per worker, as the
 * one-stage tiles' budget is: about what a one-stage ESRGAN session took (~0.46 GB), on machines with many
 * workers too.
 */
const BODY_BUDGET = 520e6;
const HEAD_BUDGET = 64e6;
/**
 * onnxruntime's arena over the live activations in the graph's own order (split-stages' peak): an RRDBNet
 * body grew 615 MB on its first 454² window, 1.55× its 480 channels × 4 B per pixel (memory patterns off,
 * see openSession). The head's is a guess, kept generous.
 */
const BODY_SLACK = 1.6;
const HEAD_SLACK = 2;

/** Body and head tile sizes for a model's stages within the memory budgets. */
export function twoStageTiles(facts: StageFacts, overlap: number): { tileSize: number; headTileSize: number } {
  const bodyPerPx = facts.bodyPeakChannels * 4 * BODY_SLACK;
  const window = Math.floor(Math.sqrt(BODY_BUDGET / bodyPerPx));
  const context = 2 * (overlap + facts.headOverlap * facts.featureStride);
  const tileSize = Math.max(64, Math.floor((window - context) / 8) * 8);
  const headPerPx = facts.headPeakChannels * 4 * HEAD_SLACK;
  const headWindow = Math.floor(Math.sqrt(HEAD_BUDGET / headPerPx));
  return { tileSize, headTileSize: Math.max(8, headWindow - 2 * facts.headOverlap) };
}
