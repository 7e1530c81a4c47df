/**
 * Where an upscaled image departs from its original, as a colour PNG: Butteraugli's per-pixel distance
 * when the run scored Butteraugli, else the plain absolute difference. Big images are compared on a copy
 * scaled to HEATMAP_MAX_PIXELS, so the memory and time of one map stay bounded whatever the input
 * (Butteraugli in TypeScript takes seconds per megapixel, so its bound is lower).
 */
import sharp from 'sharp';
import { type RawImage, rawInput, resizeRaw, rgbOnly, toRaw } from '../image/raw.js';
import { butteraugliDiffmap } from './butteraugli/index.js';

export type HeatmapKind = 'butteraugli' | 'absolute';

/** Above this many pixels the pair is compared on a scaled copy (Butteraugli's map then describes that copy). */
export const HEATMAP_MAX_PIXELS: Record<HeatmapKind, number> = { butteraugli: 2_000_000, absolute: 16_000_000 };

/** What each kind measures and where its colour scale tops out; ticks are labelled on the legend. */
export const HEATMAP_SCALES: Record<HeatmapKind, { label: string; max: number; ticks: { value: number; label: string }[] }> = {
  butteraugli: {
    label: 'Butteraugli distance per pixel (1 ≈ just noticeable)',
    max: 3,
    ticks: [
      { value: 0, label: '0' },
      { value: 1, label: '1 just noticeable' },
      { value: 2, label: '2' },
      { value: 3, label: '≥ 3' },
    ],
  },
  absolute: {
    label: 'Absolute difference per pixel (largest of R, G, B; 0–255)',
    max: 32,
    ticks: [
      { value: 0, label: '0' },
      { value: 8, label: '8' },
      { value: 16, label: '16' },
      { value: 24, label: '24' },
      { value: 32, label: '≥ 32' },
    ],
  },
};

/** Magma (perceptually even, dark = no difference): the colour scale, low to high, as CSS colours for the legend. */
export const HEATMAP_STOPS = ['#000004', '#3b0f70', '#8c2981', '#de4968', '#fe9f6d', '#fcfdbf'];

const LUT = (() => {
  const rgb = HEATMAP_STOPS.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(rgb[k][c] + (rgb[k + 1][c] - rgb[k][c]) * f);
  }
  return lut;
})();

export interface Heatmap {
  png: Buffer;
  /** Size of the map: the original's, or the scaled copy's for an image above HEATMAP_MAX_PIXELS. */
  width: number;
  height: number;
  kind: HeatmapKind;
  /** The map's largest value (for Butteraugli, the max-norm distance of the pair compared). */
  peak: number;
}

/** Scales an image to fit `max` pixels (unchanged when they already do). */
async function bounded(img: RawImage, max: number): Promise<RawImage> {
  const n = img.width * img.height;
  if (n <= max) return img;
  const s = Math.sqrt(max / n);
  return toRaw(sharp(img.data, rawInput(img)).resize(Math.max(1, Math.floor(img.width * s)), Math.max(1, Math.floor(img.height * s)), { fit: 'fill', kernel: 'lanczos3' }));
}

/** Per pixel, the largest absolute channel difference. */
function absoluteMap(a: RawImage, b: RawImage): Float32Array {
  const map = new Float32Array(a.width * a.height);
  for (let i = 0, s = 0; i < map.length; i++, s += 3) {
    map[i] = Math.max(Math.abs(a.data[s] - b.data[s]), Math.abs(a.data[s + 1] - b.data[s + 1]), Math.abs(a.data[s + 2] - b.data[s + 2]));
  }
  return map;
}

/** The map of `upscaled` against `original` (brought to the original's size first, as the scores are). */
export async function differenceHeatmap(original: RawImage, upscaled: RawImage, kind: HeatmapKind): Promise<Heatmap> {
  const max = HEATMAP_MAX_PIXELS[kind];
  const a = await bounded(rgbOnly(original), max);
  const b = await bounded(rgbOnly(await resizeRaw(upscaled, original.width, original.height)), max);
  const map = kind === 'butteraugli' ? butteraugliDiffmap(a, b) : absoluteMap(a, b);
  const scale = 255 / HEATMAP_SCALES[kind].max;
  const rgb = Buffer.allocUnsafe(map.length * 3);
  let peak = 0;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (v > peak) peak = v;
    const k = Math.min(255, Math.round(v * scale)) * 3;
    rgb[i * 3] = LUT[k];
    rgb[i * 3 + 1] = LUT[k + 1];
    rgb[i * 3 + 2] = LUT[k + 2];
  }
  const png = await sharp(rgb, { raw: { width: a.width, height: a.height, channels: 3 } }).png({ compressionLevel: 3 }).toBuffer();
  return { png, width: a.width, height: a.height, kind, peak };
}
