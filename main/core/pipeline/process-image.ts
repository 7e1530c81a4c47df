import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { BenchError, describeError, diskFull, isAbortError, raceAbort, throwIfAborted } from '../errors.js';
import { type DownscaleSettings, downscale } from '../image/downscale.js';
import { type StoreFormat, contentTypeFor } from '../image/formats.js';
import { type RawImage, rawInput, resizeRaw } from '../image/raw.js';
import { decodeImage, readFileReadOnly } from '../image/read.js';
import type { ScorePool } from '../metrics/score-pool.js';
import type { Metric } from '../metrics/metric-names.js';
import { scoreColumns, scoreNotes } from '../metrics/score.js';
import type { UpscaleProvider } from '../providers/upscale-provider.js';
import type { InputItem } from '../inputs/input-item.js';
import type { S3InputReader } from '../inputs/s3-prefix.js';
import type { ImageStore } from '../stores/image-store.js';
import { type ResultRow, emptyRow, savedPercent } from '../results/row.js';
import type { Stage } from './events.js';
import { storeKey, upscaledPath } from './layout.js';
import { underTag } from './stored-settings.js';
import { type QualitySearch, searchPasses } from './quality-search.js';

/** One stored setting of an image: how it is downscaled and stored, and the providers that read it back. */
export interface ImagePass {
  /** Keeps a sweep's copies apart in the store and the upscaled folder (see `settingTag`); null for a plain run. */
  tag: string | null;
  downscale: DownscaleSettings;
  providers: UpscaleProvider[];
}

export interface ImageContext {
  outDir: string;
  store: ImageStore;
  passes: ImagePass[];
  maxPixels: number;
  /** Reads s3:// originals; needed when any item is an S3 object. */
  s3Reader?: S3InputReader;
  scorer: ScorePool;
  /** The scores each row gets. */
  metrics: readonly Metric[];
  signal?: AbortSignal;
  onStage?: (stage: Stage, provider?: string, setting?: string) => void;
  onTile?: (provider: string, done: number, total: number, inFlight?: number) => void;
  /** Each pass's rows as soon as they are final, so a sweep interrupted mid-image keeps its finished settings. */
  onPassDone?: (pass: ImagePass, rows: ResultRow[]) => Promise<void>;
  /** An adaptive sweep: search each (factor, format)'s qualities instead of trying them all (see quality-search.ts). */
  search?: QualitySearch;
}

/**
 * One image read once, then per pass downscale → store, and per provider fetch → upscale → score → write.
 * Returns one row per (pass, provider), in that order; a failure becomes its rows' error. Throws only when cancelled.
 */
export async function processImage(item: InputItem, ctx: ImageContext): Promise<ResultRow[]> {
  const started = Date.now();
  const perPass = ctx.passes.map((pass) =>
    pass.providers.map((p) => ({
      ...emptyRow(item.source, p.name, p.model),
      group: item.group ?? '',
      // the setting is known before the image is read, so even an unreadable input says which setting it was
      factor: pass.downscale.fit ? null : pass.downscale.factor,
      format: pass.downscale.format === 'original' ? '' : pass.downscale.format,
      quality: pass.downscale.format === 'png' ? null : pass.downscale.quality,
    })),
  );
  const all = perPass.flat();
  const notes: string[] = item.duplicateOf !== undefined ? [`duplicate of input row ${item.duplicateOf + 1}`] : [];

  let original: RawImage;
  let originalBytes: number;
  let originalFormat: string;
  try {
    ctx.onStage?.('read');
    const bytes = item.s3 ? await s3Reader(ctx).read(item.s3, ctx.maxPixels, ctx.signal) : await readFileReadOnly(item.path);
    const decoded = await decodeImage(bytes, ctx.maxPixels);
    original = decoded.raw;
    originalBytes = bytes.length;
    originalFormat = decoded.format;
    notes.push(...decoded.notes);
    for (const r of all) Object.assign(r, { width: original.width, height: original.height, original_bytes: bytes.length });
    throwIfAborted(ctx.signal);
  } catch (err) {
    failRows(all, err, notes, started);
    for (let p = 0; p < ctx.passes.length; p++) await ctx.onPassDone?.(ctx.passes[p], perPass[p]);
    return all;
  }

  const orig: Original = { original, originalBytes, originalFormat, notes, started };
  const run = async (p: number) => {
    await processPass(item, ctx, ctx.passes[p], perPass[p], orig);
    await ctx.onPassDone?.(ctx.passes[p], perPass[p]);
    return perPass[p];
  };
  if (ctx.search) return (await searchPasses(ctx.passes, ctx.search, run)).flat();
  for (let p = 0; p < ctx.passes.length; p++) await run(p);
  return all;
}

function s3Reader(ctx: ImageContext): S3InputReader {
  if (!ctx.s3Reader) throw new BenchError('ERROR_INTERNAL', 'an s3:// input with no S3 reader');
  return ctx.s3Reader;
}

/** A step every row of the image or pass depends on failed: they all carry its error. */
function failRows(rows: ResultRow[], err: unknown, notes: string[], started: number): void {
  if (isAbortError(err) || isFatal(err)) throw err;
  const { code, message } = describeError(err);
  for (const r of rows) Object.assign(r, { status: 'error', error: message, error_code: code, notes: notes.join('; '), total_ms: Date.now() - started });
}

interface Original {
  original: RawImage;
  originalBytes: number;
  originalFormat: string;
  notes: string[];
  started: number;
}

async function processPass(item: InputItem, ctx: ImageContext, pass: ImagePass, rows: ResultRow[], o: Original): Promise<void> {
  const setting = pass.tag ?? undefined;
  const notes = [...o.notes];
  const { original } = o;
  let key: string;
  let stored: { width: number; height: number; format: StoreFormat };
  try {
    throwIfAborted(ctx.signal);
    ctx.onStage?.('downscale', undefined, setting);
    const ds = await downscale(original, o.originalFormat, pass.downscale);
    notes.push(...ds.notes);
    key = underTag(pass.tag, storeKey(item.rel, ds.format));
    stored = ds;
    for (const r of rows) {
      Object.assign(r, {
        stored_key: key,
        stored_location: ctx.store.locationOf(key),
        stored_width: ds.width,
        stored_height: ds.height,
        // a fit has no factor of its own: the row gives the ratio it came to
        factor: pass.downscale.fit ? Number((original.width / ds.width).toFixed(3)) : pass.downscale.factor,
        format: ds.format,
        quality: ds.format === 'png' ? null : pass.downscale.quality,
        stored_bytes: ds.bytes.length,
        saved_percent: savedPercent(o.originalBytes, ds.bytes.length),
      });
    }
    throwIfAborted(ctx.signal);

    ctx.onStage?.('store', undefined, setting);
    const info = { originalWidth: original.width, originalHeight: original.height, ...(pass.downscale.fit ? {} : { factor: pass.downscale.factor }) };
    await ctx.store.put(key, ds.bytes, contentTypeFor(ds.format), ctx.signal, info);
  } catch (err) {
    failRows(rows, err, notes, o.started);
    return;
  }

  for (let i = 0; i < pass.providers.length; i++) {
    const provider = pass.providers[i];
    const row = rows[i];
    const rowNotes = [...notes];
    try {
      throwIfAborted(ctx.signal);
      ctx.onStage?.('fetch', provider.name, setting);
      const fetched = await ctx.store.get(key, ctx.signal);
      if (fetched.length !== row.stored_bytes) {
        throw new BenchError('ERROR_STORE', `store returned ${fetched.length} bytes for '${key}', ${row.stored_bytes} were stored`);
      }

      ctx.onStage?.('upscale', provider.name, setting);
      const out = await provider.upscale({
        bytes: fetched,
        format: stored.format,
        width: stored.width,
        height: stored.height,
        target: { width: original.width, height: original.height },
        signal: ctx.signal,
        onProgress: (p) => ctx.onTile?.(provider.name, p.done, p.total, p.inFlight),
      });
      // the image's own compute, not its wall time: waiting for a slot other images hold is apart
      Object.assign(row, { upscale_ms: Math.round(out.timing.busyMs), wait_ms: Math.round(out.timing.waitMs), upscale_threads: out.timing.threads });
      rowNotes.push(...out.notes);
      let upscaled = out.image;
      if (upscaled.width !== original.width || upscaled.height !== original.height) {
        rowNotes.push(
          out.resizeReason
            ? `${out.resizeReason}: output ${upscaled.width}×${upscaled.height} resized with lanczos to ${original.width}×${original.height}`
            : `provider output ${upscaled.width}×${upscaled.height} resized to ${original.width}×${original.height}`,
        );
        upscaled = await resizeRaw(upscaled, original.width, original.height);
      }
      throwIfAborted(ctx.signal);

      ctx.onStage?.('score', provider.name, setting);
      const scores = await raceAbort(ctx.scorer.score(original, upscaled, ctx.metrics), ctx.signal);

      ctx.onStage?.('write', provider.name, setting);
      const dest = upscaledPath(ctx.outDir, provider.name, underTag(pass.tag, item.rel));
      await writePng(upscaled, dest);
      Object.assign(row, { status: 'ok', upscaled_path: dest, ...scoreColumns(scores) });
      rowNotes.push(...scoreNotes(scores, ctx.metrics));
    } catch (err) {
      if (isAbortError(err) || isFatal(err)) throw err;
      const { code, message } = describeError(err);
      Object.assign(row, { status: 'error', error: message, error_code: code });
    }
    row.notes = rowNotes.join('; ');
    row.total_ms = Date.now() - o.started;
  }
}

async function writePng(img: RawImage, dest: string): Promise<void> {
  try {
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.partial`;
    await writeFile(tmp, await sharp(img.data, rawInput(img)).png({ compressionLevel: 6 }).toBuffer());
    await rename(tmp, dest);
  } catch (err) {
    throw diskFull(err, dest) ?? new BenchError('ERROR_OUTPUT', `cannot write ${dest}: ${(err as Error).message}`, { cause: err });
  }
}

/** Errors that end the run rather than one row. */
export const isFatal = (err: unknown) => err instanceof BenchError && err.code === 'ERROR_DISK_FULL';
