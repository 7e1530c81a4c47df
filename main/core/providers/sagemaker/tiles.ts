/**
 * Tiles for an endpoint that runs out of memory on large inputs (the JumpStart x4 upscaler: ~200 px on the
 * long side). Unlike a local net, Stable Diffusion invents detail, so two tiles never agree on their shared
 * pixels: cropping at the cell edge (as local tiling does) would leave a visible cut. Here every tile keeps its
 * whole window and neighbours are cross-faded with linear ramps across the overlap.
 */
import { type Rect, planTiles } from '../../inference/tiling.js';
import type { RawImage } from '../../image/raw.js';

/**
 * Windows of at most `tile` px on each side covering a `width`×`height` region, neighbours sharing
 * 2 × `overlap` px. `tile` 0, or a region that fits, gives the region as one window.
 */
export function tileWindows(width: number, height: number, tile: number, overlap: number): Rect[] {
  if (tile <= 0 || (width <= tile && height <= tile)) return [{ x: 0, y: 0, w: width, h: height }];
  // planTiles' cells grow by `overlap` on every inner side, so a cell of tile - 2·overlap keeps windows ≤ tile
  return planTiles(width, height, Math.max(1, tile - 2 * overlap), overlap).map((t) => t.window);
}

/**
 * The four (or two, for a long thin window) pieces a window that ran out of memory is retried as; null once
 * the long side is at `floor`. The overlap shrinks with the piece so that every piece is smaller than the window.
 */
export function splitWindow(w: number, h: number, overlap: number, floor: number): Rect[] | null {
  const long = Math.max(w, h);
  if (long <= floor) return null;
  const half = Math.ceil(long / 2);
  const ov = Math.min(overlap, Math.floor(long / 8));
  const pieces = planTiles(w, h, half, ov).map((t) => t.window);
  return pieces.length > 1 ? pieces : null;
}

export interface UpscaledWindow {
  /** Where the window lies in the region, input px. */
  window: Rect;
  /** Its upscale: `scale`× the window (another size is resized by the caller first). */
  image: RawImage;
}

/**
 * Cross-fades upscaled windows into one `scale`× image of the region. Each window's weight ramps linearly
 * from 0 to 1 over the part it shares with the neighbour on that side (none at the region's border), so across
 * an overlap one tile fades out as the other fades in and the weights sum to 1.
 */
export function stitchFeathered(parts: UpscaledWindow[], width: number, height: number, scale: number): RawImage {
  const W = width * scale;
  const H = height * scale;
  const sum = new Float32Array(W * H * 3);
  const weight = new Float32Array(W * H);
  for (const { window: win, image } of parts) {
    if (image.channels !== 3) throw new Error('stitchFeathered takes RGB tiles');
    const ox = win.x * scale;
    const oy = win.y * scale;
    const ramps = shared(win, parts.map((p) => p.window));
    const wx = ramp(image.width, ramps.left * scale, ramps.right * scale);
    const wy = ramp(image.height, ramps.top * scale, ramps.bottom * scale);
    for (let y = 0; y < image.height; y++) {
      const Y = oy + y;
      if (Y >= H) break;
      for (let x = 0; x < image.width; x++) {
        const X = ox + x;
        if (X >= W) break;
        const w = wx[x] * wy[y];
        if (w === 0) continue;
        const s = (y * image.width + x) * 3;
        const d = Y * W + X;
        sum[d * 3] += image.data[s] * w;
        sum[d * 3 + 1] += image.data[s + 1] * w;
        sum[d * 3 + 2] += image.data[s + 2] * w;
        weight[d] += w;
      }
    }
  }
  const out = Buffer.allocUnsafe(W * H * 3);
  for (let d = 0; d < W * H; d++) {
    const w = weight[d] || 1;
    out[d * 3] = Math.round(sum[d * 3] / w);
    out[d * 3 + 1] = Math.round(sum[d * 3 + 1] / w);
    out[d * 3 + 2] = Math.round(sum[d * 3 + 2] / w);
  }
  return { data: out, width: W, height: H, channels: 3 };
}

/** Per side, how far into `win` its widest neighbour on that side reaches (0: nothing there). */
function shared(win: Rect, all: Rect[]): { left: number; right: number; top: number; bottom: number } {
  const s = { left: 0, right: 0, top: 0, bottom: 0 };
  for (const o of all) {
    if (o === win) continue;
    const rowsMeet = o.y < win.y + win.h && win.y < o.y + o.h;
    const colsMeet = o.x < win.x + win.w && win.x < o.x + o.w;
    if (rowsMeet && o.x < win.x && o.x + o.w > win.x) s.left = Math.max(s.left, o.x + o.w - win.x);
    if (rowsMeet && o.x + o.w > win.x + win.w && o.x < win.x + win.w) s.right = Math.max(s.right, win.x + win.w - o.x);
    if (colsMeet && o.y < win.y && o.y + o.h > win.y) s.top = Math.max(s.top, o.y + o.h - win.y);
    if (colsMeet && o.y + o.h > win.y + win.h && o.y < win.y + win.h) s.bottom = Math.max(s.bottom, win.y + win.h - o.y);
  }
  return s;
}

/** Weights along one axis: rising over the first `a` px, falling over the last `b`, 1 between. */
function ramp(n: number, a: number, b: number): Float32Array {
  const w = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    if (a > 0 && i < a) w[i] = Math.min(w[i], (i + 0.5) / a);
    if (b > 0 && i >= n - b) w[i] = Math.min(w[i], (n - i - 0.5) / b);
  }
  return w;
}
