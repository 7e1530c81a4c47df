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
