import { describe, expect, it } from 'vitest';
import { RequestSlots } from '../main/core/providers/sagemaker/request-slots.js';
import { splitWindow, stitchFeathered, tileWindows } from '../main/core/providers/sagemaker/tiles.js';
import type { RawImage } from '../main/core/image/raw.js';

const flat = (w: number, h: number, v: number): RawImage => ({ data: Buffer.alloc(w * h * 3, v), width: w, height: h, channels: 3 });

describe('SageMaker tiles', () => {
  it('windows stay within the tile size, cover the image and share 2 × overlap with their neighbours', () => {
    const wins = tileWindows(600, 400, 192, 24);
    expect(wins.every((w) => w.w <= 192 && w.h <= 192)).toBe(true);
    const covered = new Uint8Array(600 * 400);
    for (const w of wins) for (let y = w.y; y < w.y + w.h; y++) covered.fill(1, y * 600 + w.x, y * 600 + w.x + w.w);
    expect(covered.every((c) => c === 1)).toBe(true);
    const row0 = wins.filter((w) => w.y === 0).sort((a, b) => a.x - b.x);
    expect(row0[0].x + row0[0].w - row0[1].x).toBe(48);
    expect(tileWindows(150, 100, 192, 24)).toEqual([{ x: 0, y: 0, w: 150, h: 100 }]);
    expect(tileWindows(900, 600, 0, 24)).toEqual([{ x: 0, y: 0, w: 900, h: 600 }]);
  });

  it('splits an out-of-memory window into smaller pieces down to the floor', () => {
    const pieces = splitWindow(192, 192, 24, 64)!;
    expect(pieces).toHaveLength(4);
    expect(pieces.every((p) => p.w < 192 && p.h < 192)).toBe(true);
    expect(splitWindow(64, 40, 24, 64)).toBeNull();
  });

  it('cross-fades two tiles linearly across their overlap', () => {
    const out = stitchFeathered(
      [
        { window: { x: 0, y: 0, w: 12, h: 4 }, image: flat(48, 16, 0) },
        { window: { x: 8, y: 0, w: 12, h: 4 }, image: flat(48, 16, 200) },
      ],
      20,
      4,
      4,
    );
    const row = Array.from({ length: 80 }, (_, x) => out.data[x * 3]);
    expect(row.slice(0, 32).every((v) => v === 0)).toBe(true); // only the left tile
    expect(row.slice(48).every((v) => v === 200)).toBe(true); // only the right tile
    const fade = row.slice(32, 48);
    expect(fade.every((v, i) => i === 0 || v > fade[i - 1])).toBe(true); // a ramp, no cut
    expect(fade[0]).toBeLessThan(10);
    expect(fade[15]).toBeGreaterThan(190);
  });

  it('gives a free request slot to the oldest image first', async () => {
    const slots = new RequestSlots(1);
    const order: number[] = [];
    let release!: () => void;
    const first = slots.run(0, () => new Promise<void>((r) => (release = r)));
    const later = [slots.run(3, async () => void order.push(3)), slots.run(1, async () => void order.push(1)), slots.run(2, async () => void order.push(2))];
    await new Promise((r) => setImmediate(r)); // the first has its slot and is running
    release();
    await Promise.all([first, ...later]);
    expect(order).toEqual([1, 2, 3]);
    expect(slots.inFlight).toBe(0);
  });
});
