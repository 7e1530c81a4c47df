import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { BenchError, describeError, diskFull, isAbortError, raceAbort, throwIfAborted } from '../errors.js';
import { type DownscaleSettings, downscale } from '../image/downscale.js';
import { type StoreFormat, contentTypeFor } from '../image/formats.js';
import { type RawImage, rawInput, resizeRaw } from '../image/raw.js';
import { decodeImage, readFileReadOnly } from '../image/read.js';
import type { ScorePool } from '../metrics/score-pool.js';
import type { UpscaleProvider } from '../providers/upscale-provider.js';
import type { InputItem } from '../inputs/input-item.js';
import type { ImageStore } from '../stores/image-store.js';
import { type ResultRow, emptyRow, savedPercent } from '../results/row.js';
import type { Stage } from './events.js';
import { storeKey, upscaledPath } from './layout.js';

export interface ImageContext {
  outDir: string;
  store: ImageStore;
  providers: UpscaleProvider[];
  downscale: DownscaleSettings;
  maxPixels: number;
  scorer: ScorePool;
  signal?: AbortSignal;
  onStage?: (stage: Stage, provider?: string) => void;
  onTile?: (provider: string, done: number, total: number) => void;
}

/**
 * One image through read → downscale → store, then per provider fetch → upscale → score → write.
 * Returns one row per provider; a failure becomes that row's error. Throws only when cancelled.
 */
export async function processImage(item: InputItem, ctx: ImageContext): Promise<ResultRow[]> {
  const started = Date.now();
  const rows = ctx.providers.map((p) => emptyRow(item.source, p.name, p.model));
  const setAll = (patch: Partial<ResultRow>) => rows.forEach((r) => Object.assign(r, patch));
  const notes: string[] = item.duplicateOf !== undefined ? [`duplicate of input row ${item.duplicateOf + 1}`] : [];

  let original: RawImage;
  let key: string;
  let stored: { width: number; height: number; format: StoreFormat };
  try {
    ctx.onStage?.('read');
    const bytes = await readFileReadOnly(item.path);
    const decoded = await decodeImage(bytes, ctx.maxPixels);
    original = decoded.raw;
    notes.push(...decoded.notes);
    setAll({ width: original.width, height: original.height, original_bytes: bytes.length, quality: ctx.downscale.quality });
    throwIfAborted(ctx.signal);

    ctx.onStage?.('downscale');
    const ds = await downscale(original, decoded.format, ctx.downscale);
    notes.push(...ds.notes);
    key = storeKey(item.rel, ds.format);
    stored = ds;
    const factor = Number((original.width / ds.width).toFixed(3));
    setAll({
      stored_key: key,
      stored_location: ctx.store.locationOf(key),
      stored_width: ds.width,
      stored_height: ds.height,
      factor,
      format: ds.format,
      stored_bytes: ds.bytes.length,
      saved_percent: savedPercent(bytes.length, ds.bytes.length),
    });
    throwIfAborted(ctx.signal);

    ctx.onStage?.('store');
    const info = { originalWidth: original.width, originalHeight: original.height, ...(ctx.downscale.fit ? {} : { factor: ctx.downscale.factor }) };
    await ctx.store.put(key, ds.bytes, contentTypeFor(ds.format), ctx.signal, info);
  } catch (err) {
    if (isAbortError(err) || isFatal(err)) throw err;
    const { code, message } = describeError(err);
    setAll({ status: 'error', error: message, error_code: code, notes: notes.join('; '), total_ms: Date.now() - started });
    return rows;
  }

  for (let i = 0; i < ctx.providers.length; i++) {
    const provider = ctx.providers[i];
    const row = rows[i];
    const rowNotes = [...notes];
    try {
      throwIfAborted(ctx.signal);
      ctx.onStage?.('fetch', provider.name);
      const fetched = await ctx.store.get(key, ctx.signal);
      if (fetched.length !== row.stored_bytes) {
        throw new BenchError('ERROR_STORE', `store returned ${fetched.length} bytes for '${key}', ${row.stored_bytes} were stored`);
      }

      ctx.onStage?.('upscale', provider.name);
      const tUp = Date.now();
      const out = await provider.upscale({
        bytes: fetched,
        format: stored.format,
        width: stored.width,
        height: stored.height,
        target: { width: original.width, height: original.height },
        signal: ctx.signal,
        onProgress: (p) => ctx.onTile?.(provider.name, p.done, p.total),
      });
      row.upscale_ms = Date.now() - tUp;
      rowNotes.push(...out.notes);
      let upscaled = out.image;
      if (upscaled.width !== original.width || upscaled.height !== original.height) {
        rowNotes.push(`provider output ${upscaled.width}×${upscaled.height} resized to ${original.width}×${original.height}`);
        upscaled = await resizeRaw(upscaled, original.width, original.height);
      }
      throwIfAborted(ctx.signal);

      ctx.onStage?.('score', provider.name);
      const scores = await raceAbort(ctx.scorer.score(original, upscaled), ctx.signal);

      ctx.onStage?.('write', provider.name);
      const dest = upscaledPath(ctx.outDir, provider.name, item.rel);
      await writePng(upscaled, dest);
      Object.assign(row, { status: 'ok', upscaled_path: dest, orb_score: scores.orb, psnr: scores.psnr, ssim: scores.ssim });
      if (scores.ssim === null) rowNotes.push('too small for SSIM (needs 11×11)');
    } catch (err) {
      if (isAbortError(err) || isFatal(err)) throw err;
      const { code, message } = describeError(err);
      Object.assign(row, { status: 'error', error: message, error_code: code });
    }
    row.notes = rowNotes.join('; ');
    row.total_ms = Date.now() - started;
  }
  return rows;
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
