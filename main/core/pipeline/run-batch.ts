import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { BenchError, describeError, isAbortError } from '../errors.js';
import { resolveInput } from '../inputs/resolve-input.js';
import type { InputItem } from '../inputs/input-item.js';
import { ScorePool } from '../metrics/score-pool.js';
import { pinImportedModels } from '../models/library.js';
import { createProvider } from '../providers/registry.js';
import type { UpscaleProvider } from '../providers/upscale-provider.js';
import { ResultsCsvWriter } from '../results/csv-writer.js';
import type { ResultRow } from '../results/row.js';
import { type RunSummary, storageTotals, summariseProviders, writeJsonAtomic } from '../results/summary.js';
import { createStore } from '../stores/create-store.js';
import type { RunEvent } from './events.js';
import { RESULTS_CSV, SETTINGS_JSON, STORED_DIR, SUMMARY_JSON, timestampFolderName } from './layout.js';
import { isFatal, processImage } from './process-image.js';
import { checkResumable, finishedRows } from './resume.js';
import type { RunSettings } from './settings.js';
import { VERSION } from '../version.js';
import type { AwsAccess } from '../aws/credentials.js';

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** Folder under which TestResults/<timestamp> is made when settings.out is not given. */
  cwd?: string;
  /** Instead of <cwd>/TestResults: the folder that receives <timestamp>/ (the app's results folder). */
  resultsParent?: string;
  /** Credentials for S3 and SageMaker; kept out of settings.json and summary.json on purpose. */
  access?: AwsAccess;
  /** Continue the interrupted run in this folder: its finished rows are kept, the rest are done. */
  resume?: string;
}

/** Runs a whole batch. Bad images become error rows; only bad settings or an unwritable output throw. */
export async function runBatch(settings: RunSettings, opts: RunOptions = {}): Promise<RunSummary> {
  const emit = opts.onEvent ?? (() => {});
  const startedAt = new Date();
  const cwd = opts.cwd ?? process.cwd();
  settings = await pinImportedModels({ ...settings, input: resolve(cwd, settings.input) });
  let outDir: string;
  if (opts.resume) {
    outDir = resolve(cwd, opts.resume);
    await checkResumable(outDir, settings);
  } else outDir = await prepareOutDir(settings.out, cwd, startedAt, opts.resultsParent);
  const { items } = await resolveInput(settings.input, [outDir]);
  const kept = opts.resume ? await finishedRows(outDir, items, settings.providers.map((p) => p.name)) : new Map<number, ResultRow[]>();
  await writeJsonAtomic(join(outDir, SETTINGS_JSON), { ...settings, out: outDir });

  const store = createStore(settings.store, join(outDir, STORED_DIR), opts.access);
  const concurrency = Math.max(1, Math.min(settings.concurrency, Math.max(1, items.length - kept.size)));
  const providers: UpscaleProvider[] = [];
  const scorer = new ScorePool(concurrency);
  const writer = new ResultsCsvWriter(join(outDir, RESULTS_CSV));
  const rowsByIndex = new Map<number, ResultRow[]>(kept);
  const todo = items.filter((i) => !kept.has(i.index));
  let status = 'completed' as RunSummary['status'];
  let message: string | undefined;

  // Errors that stop the whole run (disk full, unwritable CSV) end every worker with this message.
  const failFast = new AbortController();
  const stop = (err: unknown) => {
    status = 'failed';
    message = describeError(err).message;
    failFast.abort();
  };

  try {
    // --fit runs store ~1/4-size copies, so scale-following providers use x4 there
    const factor = settings.downscale.fit ? 4 : settings.downscale.factor;
    for (const spec of settings.providers) {
      providers.push(await createProvider(spec, { factor, threads: threadsPerCall(concurrency), workers: concurrency, access: opts.access }));
    }
    await writer.open(inInputOrder(items, kept));
    emit({ type: 'start', total: items.length, providers: providers.map((p) => p.name), outDir });

    let next = 0;
    let done = kept.size;
    const signal = opts.signal ? AbortSignal.any([opts.signal, failFast.signal]) : failFast.signal;
    const worker = async () => {
      while (!signal.aborted && next < todo.length) {
        const item = todo[next++];
        let rows: ResultRow[];
        try {
          rows = await processImage(item, {
            outDir,
            store,
            providers,
            downscale: settings.downscale,
            maxPixels: settings.maxPixels,
            scorer,
            signal,
            onStage: (stage, provider) => emit({ type: 'stage', index: item.index, path: item.source, stage, provider }),
            onTile: (provider, d, t) => emit({ type: 'tile', index: item.index, provider, done: d, total: t }),
          });
        } catch (err) {
          if (isAbortError(err)) return; // unfinished images write no row, so a resume redoes them
          if (!isFatal(err)) throw err;
          return stop(err);
        }
        try {
          for (const row of rows) await writer.append(row);
        } catch (err) {
          return stop(err);
        }
        rowsByIndex.set(item.index, rows);
        done++;
        for (const row of rows) emit({ type: 'row', index: item.index, row, done, total: items.length });
        emit({ type: 'image-done', index: item.index, done, total: items.length });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (status !== 'failed' && opts.signal?.aborted) status = 'cancelled';
  } finally {
    // Not awaited: after a cancel a local model may still be finishing its last tile, and the run's
    // results must not wait for it (each provider releases itself once idle).
    void Promise.all(providers.map((p) => p.dispose?.())).catch(() => undefined);
    await scorer.close();
    store.destroy?.();
  }

  const rows = inInputOrder(items, rowsByIndex);
  if (status === 'failed') await writer.close();
  else await writer.rewrite(rows);
  const finishedAt = new Date();
  const wallMs = finishedAt.getTime() - startedAt.getTime();
  const summary: RunSummary = {
    tool: 'upscale-bench',
    version: VERSION,
    settings: { ...settings, out: outDir },
    output_dir: outDir,
    results_csv: join(outDir, RESULTS_CSV),
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    wall_ms: wallMs,
    status,
    ...(message ? { message } : {}),
    ...(opts.resume ? { resumed: { kept_inputs: kept.size } } : {}),
    counts: {
      inputs: items.length,
      rows: rows.length,
      ok: rows.filter((r) => r.status === 'ok').length,
      errors: rows.filter((r) => r.status === 'error').length,
      not_run: items.length - rowsByIndex.size,
    },
    totals: storageTotals(rows),
    images_per_minute: rowsByIndex.size && wallMs ? Number(((rowsByIndex.size / wallMs) * 60_000).toFixed(2)) : null,
    providers: summariseProviders(rows),
  };
  try {
    await writeJsonAtomic(join(outDir, SUMMARY_JSON), summary);
  } catch (err) {
    summary.status = 'failed';
    summary.message ??= `cannot write summary.json: ${(err as Error).message}`;
  }
  emit({ type: 'end', summary });
  return summary;
}

/** Splits the cores between images running at once, so onnxruntime never oversubscribes them. */
export function threadsPerCall(concurrency: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / concurrency));
}

function inInputOrder(items: InputItem[], rowsByIndex: Map<number, ResultRow[]>): ResultRow[] {
  return items.flatMap((i) => rowsByIndex.get(i.index) ?? []);
}

async function prepareOutDir(out: string | undefined, cwd: string, at: Date, parent?: string): Promise<string> {
  let dir: string;
  if (out) {
    dir = resolve(cwd, out);
    const existing = await readdir(dir).catch(() => [] as string[]);
    if (existing.includes(RESULTS_CSV)) {
      throw new BenchError('ERROR_BAD_SETTINGS', `${dir} already holds a run's results; choose another --out`);
    }
  } else {
    const base = join(parent ?? join(resolve(cwd), 'TestResults'), timestampFolderName(at));
    dir = base;
    for (let n = 2; (await readdir(dir).catch(() => null)) !== null; n++) dir = `${base}-${n}`;
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new BenchError('ERROR_OUTPUT', `cannot create output folder ${dir}: ${(err as Error).message}`);
  }
  return dir;
}
