/**
 * How long a run will take, as a range, from the images' real sizes (read from their headers) and the
 * speeds measured on the 2-core reference machine. Pure: no I/O, so the setup screen and a sweep can call
 * it for every setting they show. Imports only the downscale geometry; models bring their speeds.
 */
import type { ModelSpeed } from '../models/model-entry.js';
import { type FitRange, targetSize } from '../image/geometry.js';
import { plural } from '../plural.js';

export interface PixelSize {
  width: number;
  height: number;
}

/** What is known about the input's images: all of their sizes, or a sample of them. */
export interface SizeSample {
  /** Images in the input. */
  total: number;
  /** Header sizes of the images read (all when `sizes.length === total`); null where a header could not be read. */
  sizes: (PixelSize | null)[];
}

export type EstimateProvider =
  | { name: 'bicubic' | 'lanczos' }
  /**
   * A model from the library with its scales and the speed of the build that will run (a built-in's from the
   * reference machine, an import's as measured here: timed at import, then by runs; unknown for older imports until a run).
   */
  | { name: 'local-ai'; model: string; scales: readonly number[]; speed?: ModelSpeed }
  | { name: 'sagemaker' }
  /** Factor 1's recompress-only baseline: decoding and scoring only. */
  | { name: 'none' };

export interface EstimateSettings {
  providers: EstimateProvider[];
  factor: number;
  fit?: FitRange;
  /** Images processed at once (default: cores). */
  concurrency?: number;
  /** Cores of the machine the run will use (default 2, the reference machine). */
  cores?: number;
  /** Images above this are refused from their header and cost nothing. */
  maxPixels?: number;
}

export interface TimeEstimate {
  /** Seconds, fastest plausible and slowest plausible. */
  low: number;
  high: number;
  /** Why the range is as wide as it is, in words a person uses. */
  reasons: string[];
  /** Megapixels of the originals (exact when every header was read, else extrapolated). */
  megapixels: number;
  /** Providers whose speed is not known here (their share is a wide guess). */
  unknown: string[];
}

/** Reference speeds; each pair is [fast, slow]. Measured on the 2-core reference machine (README, Performance). */
export const SPEEDS = {
  /** Read, decode, downscale, encode and store: seconds per original megapixel. */
  prepareSecPerMp: [0.05, 0.25],
  /** bicubic/lanczos resampling to the original's size: seconds per output megapixel. */
  interpolationSecPerMp: [0.06, 0.15],
  /** ORB + PSNR + SSIM and writing the upscaled PNG, per provider: seconds per original megapixel. */
  scoreSecPerMp: [0.25, 0.45],
  /** The catalog's speed holds within this factor at x4; other scales are measured less (x8 adds layers). */
  localSpread: { x4: [0.85, 1.25], other: [0.8, 1.6] },
  /** Loading a model's session once per run. */
  localStartSec: [0.3, 3],
  /** SageMaker JumpStart SD x4: not measured here; a diffusion upscaler takes seconds to a minute per image. */
  sagemakerSecPerImage: [3, 60],
  /** An imported model not yet measured: anywhere from slim's speed to a third of thick's (output MP/s at x4). */
  unmeasuredMpsX4: [2.3, 0.05],
  /** When no header could be read at all: a typical photo. */
  unknownImageMp: [0.3, 12],
} as const;

const REFERENCE_CORES = 2;

/** Seconds for one image: `serial` is inference that already uses every core, `parallel` scales with concurrency. */
interface Cost {
  serial: [number, number];
  parallel: [number, number];
}

const add = (a: Cost, b: Cost): Cost => ({
  serial: [a.serial[0] + b.serial[0], a.serial[1] + b.serial[1]],
  parallel: [a.parallel[0] + b.parallel[0], a.parallel[1] + b.parallel[1]],
});
const ZERO: Cost = { serial: [0, 0], parallel: [0, 0] };

/** One image of this size through every provider. */
export function imageCost(size: PixelSize, s: EstimateSettings): Cost {
  const mp = (size.width * size.height) / 1e6;
  const stored = targetSize(size.width, size.height, { factor: s.factor, fit: s.fit });
  const storedMp = (stored.width * stored.height) / 1e6;
  let cost: Cost = { serial: [0, 0], parallel: [SPEEDS.prepareSecPerMp[0] * mp, SPEEDS.prepareSecPerMp[1] * mp] };
  for (const p of s.providers) {
    const score: [number, number] = [SPEEDS.scoreSecPerMp[0] * mp, SPEEDS.scoreSecPerMp[1] * mp];
    if (p.name === 'bicubic' || p.name === 'lanczos') {
      cost = add(cost, { serial: [0, 0], parallel: [score[0] + SPEEDS.interpolationSecPerMp[0] * mp, score[1] + SPEEDS.interpolationSecPerMp[1] * mp] });
    } else if (p.name === 'local-ai') {
      const sec = localSeconds(p, storedMp, s.fit ? 4 : s.factor);
      // an imported model's output is resized to the original's size: a lanczos pass, counted with scoring
      cost = add(cost, { serial: sec, parallel: score });
    } else {
      // the endpoint works while we wait: its time neither uses nor competes for our cores (none: no upscale at all)
      cost = add(cost, { serial: [0, 0], parallel: score });
    }
  }
  return cost;
}

/**
 * A model's tiles cost the same per *input* pixel whatever its scale, so its time is the stored copy's
 * megapixels / (output MP/s ÷ the measured scale²): at x2 the same output takes four times as long as at x4.
 * A one-scale model runs at its own scale whatever the factor (its output is resized afterwards).
 */
function localSeconds(p: Extract<EstimateProvider, { name: 'local-ai' }>, storedMp: number, factor: number): [number, number] {
  const scale = p.scales.includes(factor) || p.scales.length !== 1 ? factor : p.scales[0];
  if (p.speed && p.speed.mpsOut > 0) {
    const sec = storedMp / (p.speed.mpsOut / p.speed.scale ** 2);
    // the reference machine's x4 figures were measured on many photos; anything else is a wider guess
    const spread = p.speed.where === 'reference machine' && scale === p.speed.scale ? SPEEDS.localSpread.x4 : SPEEDS.localSpread.other;
    return [sec * spread[0], sec * spread[1]];
  }
  return [(storedMp * 16) / SPEEDS.unmeasuredMpsX4[0], (storedMp * 16) / SPEEDS.unmeasuredMpsX4[1]];
}

export function estimateRun(sample: SizeSample, s: EstimateSettings): TimeEstimate {
  const reasons: string[] = [];
  const cores = Math.max(1, s.cores ?? REFERENCE_CORES);
  const concurrency = Math.max(1, s.concurrency ?? cores);
  const maxPixels = s.maxPixels ?? Infinity;
  const total = Math.max(0, Math.round(sample.total));
  const read = sample.sizes.slice(0, total);
  const known = read.filter((x): x is PixelSize => x !== null && x.width > 0 && x.height > 0);
  const refused = known.filter((x) => x.width * x.height > maxPixels);
  const usable = known.filter((x) => x.width * x.height <= maxPixels);
  const unreadable = read.length - known.length;

  // Per-image cost in the sample; an unreadable header is probably a bad file (an error row, nearly free)
  // but might be an image we could not parse from its first bytes: anything up to the largest one seen.
  const costs = usable.map((x) => imageCost(x, s));
  const biggest: PixelSize = usable.length
    ? usable.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b))
    : { width: Math.round(Math.sqrt(SPEEDS.unknownImageMp[1] * 1e6)), height: Math.round(Math.sqrt(SPEEDS.unknownImageMp[1] * 1e6)) };
  const unreadableCost: Cost = { serial: [0, imageCost(biggest, s).serial[1]], parallel: [0, imageCost(biggest, s).parallel[1]] };
  let sum = costs.reduce(add, ZERO);
  for (let i = 0; i < unreadable; i++) sum = add(sum, unreadableCost);
  let mp = usable.reduce((a, x) => a + (x.width * x.height) / 1e6, 0);

  const rest = total - read.length;
  if (rest > 0) {
    if (read.length === 0) {
      const lo = imageCost(sq(SPEEDS.unknownImageMp[0]), s);
      const hi = imageCost(sq(SPEEDS.unknownImageMp[1]), s);
      sum = add(sum, { serial: [lo.serial[0] * rest, hi.serial[1] * rest], parallel: [lo.parallel[0] * rest, hi.parallel[1] * rest] });
      mp += rest * ((SPEEDS.unknownImageMp[0] + SPEEDS.unknownImageMp[1]) / 2);
      reasons.push(`no image sizes known yet: assumed ${SPEEDS.unknownImageMp[0]}–${SPEEDS.unknownImageMp[1]} MP each`);
    } else {
      // The unread images are taken to be like the sample: its mean, ± two standard errors, within its extremes.
      const perImage = [...costs, ...Array.from({ length: unreadable }, () => unreadableCost), ...refused.map(() => ZERO)];
      const part = (pick: (c: Cost) => number, side: 0 | 1) => {
        const xs = perImage.map(pick);
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
        const se = xs.length > 1 ? sd / Math.sqrt(xs.length) : mean; // one image says little about the rest
        const bound = side === 0 ? Math.max(Math.min(...xs), mean - 2 * se) : Math.min(Math.max(...xs) * (xs.length > 1 ? 1 : 2), mean + 2 * se);
        return Math.max(0, bound) * rest;
      };
      sum = add(sum, {
        serial: [part((c) => c.serial[0], 0), part((c) => c.serial[1], 1)],
        parallel: [part((c) => c.parallel[0], 0), part((c) => c.parallel[1], 1)],
      });
      mp += (mp / Math.max(1, read.length)) * rest;
      reasons.push(`sizes read from ${read.length} of ${plural(total, 'image')}; the rest assumed alike`);
    }
  }
  if (unreadable > 0) reasons.push(`${unreadable} image${unreadable === 1 ? '' : 's'} with an unreadable header`);
  if (refused.length > 0) reasons.push(`${refused.length} image${refused.length === 1 ? '' : 's'} above the pixel limit (refused, not timed)`);

  // Inference already spreads over the reference machine's cores; the rest runs `concurrency` images at once.
  const width = Math.min(concurrency, cores);
  const speedup = cores / REFERENCE_CORES;
  let low = sum.serial[0] / Math.max(1, speedup * 0.9) + sum.parallel[0] / Math.max(1, width * 0.9);
  let high = sum.serial[1] / Math.min(1, speedup) + sum.parallel[1] / Math.max(1, width * 0.75);
  if (total > 0) {
    for (const p of s.providers) {
      if (p.name === 'local-ai') {
        low += SPEEDS.localStartSec[0];
        high += SPEEDS.localStartSec[1];
      }
    }
  }
  const unknown: string[] = [];
  if (s.providers.some((p) => p.name === 'sagemaker') && total > 0) {
    // images refused for size never reach the endpoint
    const n = total * (1 - (read.length ? refused.length / read.length : 0));
    low += (n * SPEEDS.sagemakerSecPerImage[0]) / concurrency;
    high += n * SPEEDS.sagemakerSecPerImage[1];
    unknown.push('sagemaker');
    reasons.push(`SageMaker's speed is unknown here: assumed ${SPEEDS.sagemakerSecPerImage[0]}–${SPEEDS.sagemakerSecPerImage[1]} s per image`);
  }
  for (const p of s.providers) {
    if (p.name === 'local-ai' && !(p.speed && p.speed.mpsOut > 0) && total > 0) {
      unknown.push(p.model);
      reasons.push(`${p.model} has not been timed yet: assumed between slim's speed and a third of thick's`);
    }
  }
  if (s.providers.some((p) => p.name === 'local-ai' && p.speed?.where === 'reference machine')) reasons.push('local-AI speed measured on a 2-core reference machine');
  return { low, high: Math.max(low, high), reasons, megapixels: mp, unknown };
}

const sq = (mp: number): PixelSize => {
  const side = Math.round(Math.sqrt(mp * 1e6));
  return { width: side, height: side };
};
