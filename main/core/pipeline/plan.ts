import { isInventoryManifest } from '../inputs/s3-inventory.js';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { type ResolveOptions, resolveInput } from '../inputs/resolve-input.js';
import { isS3Uri } from '../inputs/s3-uri.js';
import { listModels } from '../models/model-list.js';
import type { ModelEntry } from '../models/model-entry.js';
import type { Precision } from '../models/catalog.js';
import { type EstimateProvider, type PixelSize, type SizeSample, type TimeEstimate, estimateRun } from './estimate.js';
import type { ProviderSpec, RunSettings } from './settings.js';
import { rowsPerImage, storedSettings } from './stored-settings.js';

/** Headers read for the estimate; beyond this the rest are taken to be like them. */
const SAMPLE = 200;

/** What a run (or sweep) will do, before it starts: counts and a time range. */
export interface RunPlan {
  images: number;
  /** Stored settings per image (1 for a run). */
  settings: number;
  rows: number;
  estimate: TimeEstimate;
}

/**
 * The input's image count and header sizes (an even sample of a big input): what an estimate needs of it.
 * S3 objects are counted but their headers not fetched: the estimate takes them as typical photos.
 */
export async function inputSample(input: string, o: ResolveOptions = {}): Promise<SizeSample> {
  // a sample of a prefix is at most N images: not worth listing millions of keys twice (the run lists it)
  if ((isS3Uri(input) || isInventoryManifest(input)) && o.sample && !o.chosen) return { total: o.sample.n, sizes: [] };
  const { items } = await resolveInput(input, o);
  const local = items.filter((i) => !i.s3);
  const step = Math.max(1, local.length / SAMPLE);
  const sample = Array.from({ length: Math.min(local.length, SAMPLE) }, (_, i) => local[Math.floor(i * step)]);
  return { total: items.length, sizes: await Promise.all(sample.map((item) => headerSize(item.path))) };
}

/** `sample`: the input's, when the caller already has it (the app asks again at every ticked box). */
export async function planRun(settings: RunSettings, cores = availableParallelism(), sample?: SizeSample): Promise<RunPlan> {
  const { total, sizes } = sample ?? (await inputSample(settings.input, { s3: settings.inputS3, sample: settings.sample, chosen: settings.sample?.chosen, groupBy: settings.groupBy }));
  const items = { length: total };
  const plan = storedSettings(settings);
  const models = settings.providers.some((p) => p.name === 'local-ai') ? await listModels().catch(() => [] as ModelEntry[]) : [];
  const estimates = plan.map((s) => {
    const { known, unknown } = forEstimate(s.providers, models);
    const e = estimateRun({ total: items.length, sizes }, { providers: known, factor: s.downscale.factor, fit: s.downscale.fit, concurrency: settings.concurrency, cores, maxPixels: settings.maxPixels });
    return { ...e, unknown: [...e.unknown, ...unknown] };
  });
  const unknown = [...new Set(estimates.flatMap((e) => e.unknown))];
  return {
    images: items.length,
    settings: plan.length,
    rows: items.length * rowsPerImage(plan),
    estimate: {
      low: estimates.reduce((a, e) => a + e.low, 0),
      high: estimates.reduce((a, e) => a + e.high, 0),
      reasons: [...new Set(estimates.flatMap((e) => e.reasons)), ...unknown.filter((u) => u !== 'sagemaker').map((u) => `no measured speed for ${u}: not counted`)],
      megapixels: estimates[0]?.megapixels ?? 0,
      unknown,
    },
  };
}

/** Width and height from the header only (no decoding); null when it cannot be read. */
async function headerSize(path: string): Promise<PixelSize | null> {
  try {
    const m = await sharp(path, { limitInputPixels: false }).metadata();
    if (!m.width || !m.height) return null;
    // EXIF orientations 5–8 swap the sides
    return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  } catch {
    return null;
  }
}

/**
 * The estimate's view of the providers: a model brings its scales and the speed of the build that will run
 * (the estimate widens when there is none); a model not in the library is left out and named.
 */
function forEstimate(specs: ProviderSpec[], models: ModelEntry[]): { known: EstimateProvider[]; unknown: string[] } {
  const known: EstimateProvider[] = [];
  const unknown: string[] = [];
  for (const s of specs) {
    if (s.name === 'local-ai') {
      const model = s.model ?? 'thick';
      const listed = models.find((m) => m.name === model);
      if (!listed) unknown.push(`local-ai ${model}`);
      else known.push(estimateModel(listed, s.precision));
    } else known.push({ name: s.name });
  }
  return { known, unknown };
}

/** A model's scales and the speed of the build a run of this precision uses (fp32 when it has no such build). */
export function estimateModel(m: Pick<ModelEntry, 'name' | 'scales' | 'builds'>, precision: Precision = 'fp32'): Extract<EstimateProvider, { name: 'local-ai' }> {
  const speed = (m.builds[precision] ?? m.builds.fp32).speed;
  return { name: 'local-ai', model: m.name, scales: m.scales, ...(speed ? { speed } : {}) };
}
