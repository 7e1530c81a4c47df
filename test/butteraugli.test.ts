import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { butteraugli, butteraugliDiffmap, MARGIN } from '../main/core/metrics/butteraugli/index.js';
import { fixture, readRgb } from './helpers/images.js';

/** Written by scripts/reference/make-butteraugli-fixtures.ts from libjxl 0.11's butteraugli_main. */
interface Case {
  name: string;
  a: string;
  b: string;
  width: number;
  height: number;
  distance: number;
  pnorm3: number;
  decodedSha256?: [string, string];
}
const { cases } = JSON.parse(readFileSync(fixture('butteraugli', 'reference.json'), 'utf8')) as { cases: Case[] };
const read = (file: string) => readRgb(fixture('butteraugli', file));
const relError = (ours: number, ref: number) => (ref === 0 ? Math.abs(ours) : Math.abs(ours - ref) / ref);

describe('butteraugli against libjxl 0.11 butteraugli_main', () => {
  const worst = { distance: { err: 0, name: '' }, pnorm3: { err: 0, name: '' } };
  afterAll(() => {
    console.log(`butteraugli parity over ${cases.length} pairs: max-norm worst ${(worst.distance.err * 100).toFixed(3)}% (${worst.distance.name}), 3-norm worst ${(worst.pnorm3.err * 100).toFixed(3)}% (${worst.pnorm3.name})`);
  });

  it.each(cases)('$name: max-norm and 3-norm within 3%', async (c) => {
    const [a, b] = await Promise.all([read(c.a), read(c.b)]);
    if (c.decodedSha256) {
      // a changed JPEG decoder would change the pixels, not Butteraugli: say which
      expect([a, b].map((img) => createHash('sha256').update(img.data).digest('hex')), 'sharp decodes the stored JPEGs to the pixels the tool saw').toEqual(c.decodedSha256);
    }
    const r = butteraugli(a, b);
    expect([r.width, r.height, r.diffmap.length]).toEqual([c.width, c.height, c.width * c.height]);
    for (const key of ['distance', 'pnorm3'] as const) {
      const err = relError(r[key], c[key]);
      if (err > worst[key].err) worst[key] = { err, name: c.name };
      expect(err, `${key}: ours ${r[key]}, libjxl ${c[key]}`).toBeLessThanOrEqual(c[key] === 0 ? 1e-6 : 0.03);
    }
  });

  it('includes the issue\'s coffee JPEGs: q30 → 6.84 / 2.39, q90 → 2.45 / 0.89', () => {
    const coffee = (q: number) => cases.find((c) => c.name === `coffee-jpeg-q${q}`)!;
    expect([coffee(30).distance, coffee(30).pnorm3, coffee(90).distance, coffee(90).pnorm3].map((v) => v.toFixed(2))).toEqual(['6.84', '2.39', '2.45', '0.89']);
  });
});

describe('butteraugli tiling', () => {
  it('gives the single-pass map when computed in tiles', async () => {
    const c = cases.find((k) => k.name === 'coffee-jpeg-q30')!;
    const [a, b] = await Promise.all([read(c.a), read(c.b)]);
    const whole = butteraugliDiffmap(a, b, 4096);
    const tile = 200;
    expect(c.width).toBeGreaterThan(tile + 2 * MARGIN); // 3×2 tiles, with seams both ways
    const tiled = butteraugliDiffmap(a, b, tile);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i] - tiled[i]));
    expect(maxDiff).toBe(0); // every filter has finite support, so the margins make it exact
  });
});

describe('butteraugli input', () => {
  it('drops alpha, as the other scores do', async () => {
    const c = cases.find((k) => k.name === 'chelsea-jpeg-q30')!;
    const [a, b] = await Promise.all([read(c.a), read(c.b)]);
    const rgba = { ...b, channels: 4 as const, data: await sharp(b.data, { raw: { width: b.width, height: b.height, channels: 3 } }).ensureAlpha(0.5).raw().toBuffer() };
    expect(butteraugli(a, rgba).distance).toBe(butteraugli(a, b).distance);
  });

  it('refuses images of different sizes', async () => {
    const a = await read('astronaut.png');
    const b = await read('rocket.png');
    expect(() => butteraugli(a, b)).toThrow(/differ in shape/);
  });
});
