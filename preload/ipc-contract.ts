/**
 * The one IPC contract between the renderer and main: channel names (`domain:action`), request schemas
 * (zod, checked in main before anything runs) and response types. Main and preload import it; the
 * renderer imports types only.
 */
import { z } from 'zod';
import { METRICS } from '../main/core/metrics/metric-names.js';
import { AT_CHOICES, TARGET_METRICS, targetValueProblem } from '../main/core/results/target.js';
import { S3_PREFIX } from './channels.js';
import type { Int8Quality, ModelSpeed } from '../main/core/models/model-entry.js';
import { GROUP_BY } from '../main/core/inputs/groups.js';

const provider = z.enum(['local-ai', 'sagemaker', 'bicubic', 'lanczos']);
const shortText = (max = 200) => z.string().max(max);
const id = z.string().regex(/^[A-Za-z0-9._-]{1,80}$/, 'not a valid id');
const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'not a model name');

/**
 * A run is a folder under the results folder: its name, or `parent/name` one level down (the CLI's
 * `TestResults/<timestamp>` when it ran there). Never a separator beyond that, never `.` or `..`.
 */
export function isRunId(value: string): boolean {
  const parts = value.split('/');
  return parts.length <= 2 && parts.every((p) => p.length > 0 && p.length <= 255 && p !== '.' && p !== '..' && !/[\\\x00-\x1f]/.test(p));
}
const runId = z.string().max(520).refine(isRunId, 'not a valid run');

/** A custom issue whose message is a sentence for people (validation-message.ts shows it as it is). */
const plain = (message: string) => ({ code: 'custom' as const, message, params: { plain: true } });

/** The scores each row gets (default orb, psnr, ssim, ssimulacra2). */
const metrics = z.array(z.enum(METRICS)).min(1).max(METRICS.length);

/**
 * The score a sweep's recommendation must reach: ≥ for the similarities, ≤ for Butteraugli; `at` the
 * statistic of per-image scores that must reach it (mean, median, p25, p10, p5; absent: the mean).
 */
const target = z
  .object({ metric: z.enum(TARGET_METRICS), value: z.number(), at: z.enum(AT_CHOICES).optional() })
  .strict()
  .superRefine((t, ctx) => {
    const problem = targetValueProblem(t.metric, t.value);
    if (problem) ctx.addIssue(plain(problem));
  });

export const runRequestSchema = z
  .object({
    input: shortText(4096),
    output: shortText(4096).optional(),
    providers: z.array(provider).min(1).max(4),
    // A built-in (slim, medium, thick) or an imported model's name; main checks it against the model list.
    localModel: modelName.default('thick'),
    localPrecision: z.enum(['fp32', 'int8']).default('fp32'),
    factor: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(8)]).default(4),
    fit: z.object({ min: z.number().int().min(1).max(4096), max: z.number().int().min(1).max(4096) }).strict().optional(),
    format: z.enum(['original', 'png', 'jpeg', 'webp', 'avif']).default('original'),
    quality: z.number().int().min(1).max(100).default(90),
    concurrency: z.number().int().min(1).max(32).optional(),
    store: z.enum(['local', 's3']).default('local'),
    bucket: shortText(63).optional(),
    prefix: shortText(512).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not an AWS region').optional(),
    s3Endpoint: z.url().max(2048).optional(),
    endpoint: shortText(63).optional(),
    sagemakerUrl: z.url().max(2048).optional(),
    /** SageMaker: long side of an input tile (0: whole images), requests in flight, async through this s3:// prefix, price. */
    sagemakerTile: z.number().int().min(0).max(4096).optional(),
    sagemakerConcurrency: z.number().int().min(1).max(256).optional(),
    sagemakerAsyncInput: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'not an s3://bucket/prefix/ location').max(1024).optional(),
    sagemakerPricePerHour: z.number().min(0).max(1000).optional(),
    metrics: metrics.optional(),
    /** Evaluate a seeded random sample of the input's images (`--sample N --seed S`). */
    sample: z.object({ n: z.number().int().min(1).max(10_000_000), seed: z.number().int().min(0).max(2 ** 31 - 1) }).strict().optional(),
    /**
     * Answers per group as well (`--group-by`): `folder`, the first folder level below the input; `column`, a CSV's
     * `group` column (the default for a CSV that has one); `none`. summary.json then has `group_by` and `groups`.
     */
    groupBy: z.enum(GROUP_BY).optional(),
  })
  .strict();

/** A sweep: the run's providers, store and machine settings, with lists of factors, formats and qualities. */
export const sweepRequestSchema = runRequestSchema
  .omit({ factor: true, fit: true, format: true, quality: true })
  .extend({
    factors: z.array(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(8)])).min(1).max(5),
    formats: z.array(z.enum(['png', 'jpeg', 'webp', 'avif'])).min(1).max(4),
    qualities: z.array(z.number().int().min(1).max(100)).min(1).max(12),
    target: target.optional(),
    /** Before `target`: short for `{ metric: 'ssim', value }`. Neither: SSIMULACRA2 ≥ 70. */
    targetSsim: z.number().gt(0).max(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.target && r.targetSsim !== undefined) ctx.addIssue({ ...plain('give a target or a target SSIM, not both'), path: ['target'] });
  });

export const schemas = {
  'dialog:pick-input': z.object({ kind: z.enum(['folder', 'csv']) }).strict(),
  'dialog:pick-output': z.object({}).strict(),
  'input:make-csv': z.object({ folder: shortText(4096) }).strict(),
  /** An s3://bucket/prefix as the input: main lists it (image objects by extension) and says how many. */
  'input:bucket-prefix': z
    .object({ uri: z.string().max(1100).regex(S3_PREFIX, 'not an s3://bucket/prefix address'), region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not an AWS region').optional(), s3Endpoint: z.url().max(2048).optional() })
    .strict(),
  'input:image-sizes': z.object({ input: shortText(4096) }).strict(),
  'run:start': runRequestSchema,
  'run:cancel': z.object({ jobId: id }).strict(),
  'sweep:plan': sweepRequestSchema,
  'sweep:start': sweepRequestSchema,
  'runs:list': z.object({}).strict(),
  'runs:open': z.object({ runId }).strict(),
  'runs:delete': z.object({ runId }).strict(),
  'runs:resume': z.object({ runId }).strict(),
  'image:read': z.object({ runId, row: z.number().int().min(0).max(10_000_000), which: z.enum(['original', 'stored', 'upscaled']) }).strict(),
  /** Where a row's upscaled image departs from its original, computed on demand. */
  'image:heatmap': z.object({ runId, row: z.number().int().min(0).max(10_000_000) }).strict(),
  'export:csv': z.object({ runId, rows: z.array(z.number().int().min(0)).max(10_000_000).optional() }).strict(),
  'export:settings-csv': z.object({ runId }).strict(),
  /** The per-image policy (issue 22) for the target the sweep screen shows. */
  'export:policy-csv': z.object({ runId, target: z.object({ metric: z.enum(TARGET_METRICS), value: z.number().finite() }).strict() }).strict(),
  'shell:open-folder': z.object({ runId }).strict(),
  'settings:get': z.object({}).strict(),
  'settings:set': z
    .object({
      storagePricePerGbMonth: z.number().min(0).max(1000).optional(),
      monthlyVolumeImages: z.number().int().min(0).max(1e12).optional(),
      sagemakerPricePerHour: z.number().min(0).max(1000).optional(),
      lastRun: runRequestSchema.partial().optional(),
      awsProfile: shortText(128).optional(),
    })
    .strict(),
  'aws:test-connection': z
    .object({
      bucket: shortText(63).optional(),
      region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/).optional(),
      s3Endpoint: z.url().max(2048).optional(),
      endpoint: shortText(63).optional(),
      sagemakerUrl: z.url().max(2048).optional(),
    })
    .strict(),
  'aws:profiles': z.object({}).strict(),
  'aws:key-status': z.object({}).strict(),
  'aws:set-keys': z
    .object({
      // AWS ids are 16–128 capitals and digits; S3-compatible stores (MinIO, s3rver) allow shorter ones.
      accessKeyId: z.string().regex(/^[A-Za-z0-9]{3,128}$/, 'an access key id is 3–128 letters and digits'),
      secretAccessKey: z.string().min(1).max(256),
      sessionToken: z.string().max(4096).optional(),
    })
    .strict(),
  'aws:clear-keys': z.object({}).strict(),
  'models:list': z.object({}).strict(),
  /** Opens the file dialog for a model file; the returned path is granted for `models:add`. */
  'dialog:pick-model': z.object({}).strict(),
  /** inputRange: an ONNX file's pixel range (no ONNX file says); main refuses it for other formats. */
  /** int8: also make an int8 build (a refusal is in the answer: the model itself is added). */
  'models:add': z
    .object({ path: shortText(4096), name: modelName.optional(), force: z.boolean().optional(), inputRange: z.enum(['0-1', '0-255']).optional(), int8: z.boolean().optional() })
    .strict(),
  'models:remove': z.object({ name: modelName }).strict(),
  /** Makes an imported model's int8 build (progress as 'model-int8' events); force keeps one over the bound. */
  'models:quantize': z.object({ name: modelName, force: z.boolean().optional() }).strict(),
} as const;

export type Channel = keyof typeof schemas;
export type Request<C extends Channel> = z.input<(typeof schemas)[C]>;
export type ParsedRequest<C extends Channel> = z.output<(typeof schemas)[C]>;
export type RunRequest = z.input<typeof runRequestSchema>;
export type SweepRequest = z.input<typeof sweepRequestSchema>;

/** What a sweep will do before it starts: counts and a time range in seconds. */
export interface SweepPlan {
  images: number;
  settings: number;
  rows: number;
  low: number;
  high: number;
  reasons: string[];
}

export interface PickedInput {
  path: string;
  kind: 'folder' | 'csv' | 's3';
  /** Images in the input (for an s3:// prefix, image objects by extension). */
  count: number;
  /** The s3:// prefix's sample, carried into the run request. */
  sample?: { n: number; seed: number };
}

export interface RunListItem {
  runId: string;
  outDir: string;
  startedAt: string;
  status: string;
  /** The folder, CSV or image the run read. */
  input: string;
  /** Images in the input (null when an interrupted run never said). */
  inputs: number | null;
  /** Results, one per image and provider; `notRun` counts images never reached (cancelled, interrupted). */
  rows: number;
  ok: number;
  errors: number;
  notRun: number;
  providers: string[];
  /** Provider and model of each, as rows name them ("local-ai · esrgan-thick x4 int8"). */
  models: string[];
  factor: number | null;
  fit: { min: number; max: number } | null;
  format: string | null;
  quality: number | null;
  /** A sweep's: the saving of its recommended setting (null when nothing reached the target). */
  savedPercent: number | null;
  kind: 'run' | 'sweep';
  /** A sweep's grid (its factor/format/quality above are then null). */
  grid: { factors: number[]; formats: string[]; qualities: number[] } | null;
}

/** A results row as the renderer sees it (numbers as numbers, PSNR ∞ as null with `identical`). */
export interface UiRow {
  row: number;
  image_path: string;
  /** The image's group ('' without grouping); summary.json's `groups` holds each group's answer. Always given by main. */
  group?: string;
  status: 'ok' | 'error';
  error: string;
  provider: string;
  model: string;
  /** The stored setting: factor (1 = full size), format and quality (null for PNG). */
  factor: number | null;
  format: string;
  quality: number | null;
  width: number | null;
  height: number | null;
  original_bytes: number | null;
  stored_bytes: number | null;
  saved_percent: number | null;
  upscale_ms: number | null;
  wait_ms: number | null;
  upscale_threads: number | null;
  orb_score: number | null;
  psnr: number | null;
  identical: boolean;
  ssim: number | null;
  /** null when not computed (not asked for, or under 8×8); likewise Butteraugli's max-norm and 3-norm. Always given by main; optional so hand-made rows may leave them out. */
  ssimulacra2?: number | null;
  butteraugli?: number | null;
  butteraugli_3norm?: number | null;
  notes: string;
}

/** A difference map as the viewer shows it: the PNG, which map it is, and its colour scale for the legend. */
export interface HeatmapImage {
  mime: 'image/png';
  base64: string;
  width: number;
  height: number;
  kind: 'butteraugli' | 'absolute';
  /** What one pixel's colour measures, in words. */
  label: string;
  /** The colour scale: CSS colours low to high over 0…max (values above max take the last colour). */
  stops: string[];
  max: number;
  ticks: { value: number; label: string }[];
  /** The map's largest value. */
  peak: number;
  /** The original's size when the map was computed on a scaled copy (a big image), else null. */
  scaledFrom: { width: number; height: number } | null;
}

export interface RunDetails {
  runId: string;
  outDir: string;
  summary: Record<string, unknown> | null;
  rows: UiRow[];
  kind: 'run' | 'sweep';
}

export interface AppSettings {
  storagePricePerGbMonth: number;
  monthlyVolumeImages: number;
  /** What the user pays per SageMaker instance-hour; unset until they enter it. */
  sagemakerPricePerHour?: number;
  lastRun?: Partial<RunRequest>;
  awsProfile?: string;
}

/** Settings as the screens see them: with the folder runs really go to, resolved for this machine. */
export interface VisibleSettings extends AppSettings {
  resultsFolder: string;
  resultsFolderIsDefault: boolean;
}

/** Header sizes of the input's images (all, or an even sample of a big input); null where a header was unreadable. */
export interface ImageSizes {
  total: number;
  sizes: ({ width: number; height: number } | null)[];
}

export interface ConnectionResult {
  s3?: { ok: boolean; message: string };
  sagemaker?: { ok: boolean; message: string };
}

export interface Responses {
  'dialog:pick-input': PickedInput | null;
  'dialog:pick-output': { path: string } | null;
  'input:make-csv': { csvPath: string; count: number } | null;
  'input:bucket-prefix': PickedInput;
  'input:image-sizes': ImageSizes;
  'run:start': StartedJob;
  'run:cancel': { cancelled: boolean };
  'sweep:plan': SweepPlan;
  'sweep:start': StartedJob;
  'runs:list': RunListItem[];
  'runs:open': RunDetails;
  'runs:delete': { deleted: boolean };
  'runs:resume': StartedJob;
  'image:read': { mime: string; base64: string; width: number; height: number };
  'image:heatmap': HeatmapImage;
  'export:csv': { path: string; rows: number } | null;
  'export:settings-csv': { path: string; rows: number } | null;
  'export:policy-csv': { path: string; rows: number } | null;
  'shell:open-folder': { opened: boolean };
  'settings:get': VisibleSettings;
  'settings:set': VisibleSettings;
  'aws:test-connection': ConnectionResult;
  'aws:profiles': { profiles: string[]; selected: string | null };
  'aws:key-status': KeyStatus;
  'aws:set-keys': KeyStatus;
  'aws:clear-keys': KeyStatus;
  'models:list': LocalModelSummary[];
  'dialog:pick-model': { path: string; name: string } | null;
  'models:add': { model: LocalModelSummary; ms: number; /** why no int8 build was kept, when one was asked for */ int8Refused?: string };
  'models:remove': { removed: string };
  'models:quantize': { model: LocalModelSummary; ms: number };
}

export type { Int8Quality, ModelSpeed };

export interface LocalModelSummary {
  name: string;
  kind: 'built-in' | 'imported';
  architecture: string;
  /** Built-ins follow the run's factor; an imported model runs at its own scale (then resized to the original). */
  scales: number[];
  summary: string;
  /** Output megapixels per second of the fp32 build: built-ins at x4 on the 2-core reference machine; imports as measured here (timed at import, then by runs). */
  speed?: ModelSpeed;
  /** Present when an int8 build exists: its speed and what it costs in fidelity (for imports, measured when it was made). */
  int8?: { speed?: ModelSpeed; summary: string; quality?: Int8Quality };
  sizeBytes: number | null;
  license?: string;
  /** Imported models: what the importer found. */
  details?: Record<string, number | string>;
  params?: number;
  sha256?: string;
  sourceFile?: string;
}

/** Never the secret: whether keys are kept in the OS keychain, and a recognisable hint of the key id. */
export interface KeyStatus {
  stored: boolean;
  hint: string | null;
  keychain: boolean;
}

/** A job that has started: its inputs, and on a resume the images and rows kept from before. */
export interface StartedJob {
  jobId: string;
  runId: string;
  outDir: string;
  /** Inputs, and those already finished (kept from the interrupted run a resume continues). */
  total: number;
  done: number;
  /** Rows the run will write (inputs × providers × stored settings), and each provider's share. */
  rows: number;
  providerRows: Record<string, number>;
  kept: { provider: string; rows: number; errors: number }[];
}

/**
 * Progress pushed from main to the renderer on `EVENT_CHANNEL`. Stage and tile events say which image
 * (`index`, `path`) and provider they belong to; several images may be in flight at once.
 */
export type JobEvent =
  | ({ type: 'start'; providers: string[]; /** stored settings per image (1 unless a sweep) */ settings: number } & StartedJob)
  | { jobId: string; type: 'stage'; index: number; path: string; stage: string; provider?: string; setting?: string }
  | { jobId: string; type: 'tile'; index: number; path: string; provider: string; done: number; total: number; inFlight?: number; etaSeconds: number | null }
  | { jobId: string; type: 'row'; row: UiRow; done: number; total: number; etaSeconds: number | null }
  /** Every row of this image is written (it is no longer in flight). */
  | { jobId: string; type: 'image-done'; index: number; done: number; total: number }
  | { jobId: string; type: 'end'; status: 'completed' | 'cancelled' | 'failed' | 'stopped'; message?: string; runId: string }
  /** An s3:// input being listed before its run starts (objects so far, the images among them). */
  | { jobId: string; type: 'listing'; input: string; objects: number; images: number; done: boolean }
  /** A model file being imported (`models:add`): jobId is the import's own id, unrelated to runs. */
  | { jobId: string; type: 'model-import'; stage: 'reading' | 'converting' | 'checking' | 'saving'; file: string }
  /** An int8 build being made (`models:quantize`, or `models:add` with int8). */
  | { jobId: string; type: 'model-int8'; stage: 'calibrating' | 'quantizing' | 'measuring' | 'saving'; model: string };

export { EVENT_CHANNEL } from './channels.js';

export type IpcResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export const CHANNELS = Object.keys(schemas) as Channel[];
