/**
 * Splits an image into tiles for a network with a limited view: each tile's window carries `overlap`
 * extra pixels on every inner side; after upscaling only the cell (the window minus the overlap) is
 * kept, so the network never sees a tile edge where a kept pixel depends on it.
 */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Tile {
  /** The input region fed to the network. */
  window: Rect;
  /** The part of the window that is kept, in window coordinates. */
  crop: Rect;
  row: number;
  col: number;
}

/**
 * `align` > 1 starts every window on a multiple of it (nets that pixel-unshuffle or attend in fixed
 * windows give the same result only on that grid); windows then carry a little more context on the left/top.
 */
export function planTiles(width: number, height: number, tileSize: number, overlap: number, align = 1): Tile[] {
  if (tileSize < 1 || overlap < 0 || align < 1) throw new Error('tile size and align must be ≥ 1 and overlap ≥ 0');
  const cols = Math.max(1, Math.ceil(width / tileSize));
  const rows = Math.max(1, Math.ceil(height / tileSize));
  const xs = split(width, cols);
  const ys = split(height, rows);
  const tiles: Tile[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [cx, cw] = xs[c];
      const [cy, ch] = ys[r];
      const wx = Math.max(0, Math.floor((cx - overlap) / align) * align);
      const wy = Math.max(0, Math.floor((cy - overlap) / align) * align);
      const wx2 = Math.min(width, cx + cw + overlap);
      const wy2 = Math.min(height, cy + ch + overlap);
      tiles.push({ window: { x: wx, y: wy, w: wx2 - wx, h: wy2 - wy }, crop: { x: cx - wx, y: cy - wy, w: cw, h: ch }, row: r, col: c });
    }
  }
  return tiles;
}

/** `n` near-equal [start, length] spans covering `size` (equal tiles keep the runtime's buffers reusable). */
function split(size: number, n: number): [number, number][] {
  const base = Math.floor(size / n);
  const extra = size % n;
  const spans: [number, number][] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const len = base + (i < extra ? 1 : 0);
    spans.push([at, len]);
    at += len;
  }
  return spans;
}

/**
 * Tiles whose windows all have one size, at most `window` × `window` (the smallest that needs no more
 * windows, or the image's side where it is smaller), spaced evenly with at least `overlap` pixels of context on each inner side of every cell. onnxruntime sizes
 * its memory arena for each new input shape and keeps what it grew, so a few hundred MB of activations per
 * shape become the sum over shapes when windows vary (measured on RRDBNet-23's body: +388 MB for one 402²
 * window, +794 MB after four shapes of 351–402 px); one shape keeps it at one. With `align` > 1 the windows
 * start on its multiples, and a last window may be up to align − 1 pixels larger.
 */
export function planFixedTiles(width: number, height: number, window: number, overlap: number, align = 1): Tile[] {
  if (window < 1 || overlap < 0 || align < 1) throw new Error('window and align must be ≥ 1 and overlap ≥ 0');
  const xs = fixedSpans(width, window, overlap, align);
  const ys = fixedSpans(height, window, overlap, align);
  const tiles: Tile[] = [];
  ys.forEach((y, row) =>
    xs.forEach((x, col) => tiles.push({ window: { x: x.at, y: y.at, w: x.len, h: y.len }, crop: { x: x.keep - x.at, y: y.keep - y.at, w: x.keepLen, h: y.keepLen }, row, col })),
  );
  return tiles;
}

interface Span {
  at: number;
  len: number;
  keep: number;
  keepLen: number;
}

function fixedSpans(size: number, window: number, overlap: number, align: number): Span[] {
  if (size <= window) return [{ at: 0, len: size, keep: 0, keepLen: size }];
  // consecutive windows advance by at most this, so each seam keeps `overlap` on both sides (after aligning down)
  const step = window - 2 * overlap - (align - 1);
  if (step < 1) throw new Error(`a ${window} px window cannot keep ${overlap} px of context on both sides`);
  const n = 1 + Math.ceil((size - window) / step);
  // the smallest window that covers the side with as many windows: less work and memory, still one size
  window = Math.ceil((size + (n - 1) * (2 * overlap + align - 1)) / n);
  const starts = Array.from({ length: n }, (_, i) => Math.floor(Math.round((i * (size - window)) / (n - 1)) / align) * align);
  const ends = starts.map((s, i) => (i === n - 1 ? size : s + window));
  const spans: Span[] = [];
  let keep = 0;
  for (let i = 0; i < n; i++) {
    // the seam with the next window sits in the middle of what they share
    const end = i === n - 1 ? size : starts[i + 1] + Math.floor((ends[i] - starts[i + 1]) / 2);
    spans.push({ at: starts[i], len: ends[i] - starts[i], keep, keepLen: end - keep });
    keep = end;
  }
  return spans;
}
