import { mkdir, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchError, describeError, isAbortError } from '../errors.js';
import { resolveInput } from '../inputs/resolve-input.js';
import type { InputItem } from '../inputs/input-item.js';
import { ScorePool } from '../metrics/score-pool.js';
import { InferenceSlots } from '../inference/inference-slots.js';
import { pinImportedModels } from '../models/library.js';
import { createProvider } from '../providers/registry.js';
import type { UpscaleProvider } from '../providers/upscale-provider.js';
import { asWritten } from '../results/csv-format.js';
import { ResultsCsvWriter } from '../results/csv-writer.js';
import type { ResultRow } from '../results/row.js';
import { type RunSummary, storageTotals, writeJsonAtomic, writeTextAtomic } from '../results/summary.js';
import { type AnswerScope, answerOf } from '../results/answer.js';
import { groupAnswers, groupInputs } from '../results/group-summary.js';
import { POLICY_CSV, policyCsv } from '../results/policy-csv.js';
import { createStore } from '../stores/create-store.js';
import type { KeptCount, RunEvent } from './events.js';
import { RESULTS_CSV, SETTINGS_JSON, STORED_DIR, SUMMARY_JSON, timestampFolderName } from './layout.js';
import { type ImagePass, isFatal, processImage } from './process-image.js';
import { rowsPerImage, storedSettings } from './stored-settings.js';
import { checkResumable, finishedRows } from './resume.js';
import { type Outage, OutageWatch } from './outage.js';
import { type ProviderSpec, type RunSettings, type StoreSpec, withScoring } from './settings.js';
import { VERSION } from '../version.js';
import type { Target } from '../results/target.js';
import { RequestSlots } from '../providers/sagemaker/request-slots.js';
import { DEFAULT_REQUESTS_IN_FLIGHT } from '../providers/sagemaker-jumpstart.js';
import { sagemakerSummary } from '../providers/sagemaker/usage.js';
import { type AwsAccess, credentialsFor } from '../aws/credentials.js';
import { S3InputReader } from '../inputs/s3-prefix.js';
import { isS3Uri, refuseStoreUnderInput } from '../inputs/s3-uri.js';

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
  settings = withScoring(await pinImportedModels({ ...settings, input: isS3Uri(settings.input) ? settings.input : resolve(cwd, settings.input) }));
  const target = settings.target!;
  refuseStoreUnderInput(settings);
  let outDir: string;
  if (opts.resume) {
    outDir = resolve(cwd, opts.resume);
    await checkResumable(outDir, settings);
  } else outDir = await prepareOutDir(settings.out, cwd, startedAt, opts.resultsParent);
  const s3Reach = { ...settings.inputS3, credentials: credentialsFor(opts.access) };
  const { items, listing, groupBy } = await resolveInput(settings.input, {
    exclude: [outDir],
    groupBy: settings.groupBy,
    s3: s3Reach,
    sample: settings.sample,
    chosen: settings.sample?.chosen,
    onListing: (p) => emit({ type: 'listing', ...p }),
    signal: opts.signal,
  });
  refuseStoreUnderInput(settings, items);
  // the sample's picks are recorded, so a resume (and the analyst) sees exactly which images were evaluated
  if (settings.sample) settings = { ...settings, sample: { ...settings.sample, chosen: items.map((i) => i.source), ...(listing ? { listing } : {}) } };
  // the grouping that applied (a CSV's group column by default), so a resume and a re-run group alike
  if (groupBy) settings = { ...settings, groupBy };
  const plan = storedSettings(settings);
  const kept = opts.resume
    ? await finishedRows(outDir, items, plan.map((s) => ({ tag: s.tag, providers: s.providers.map((p) => p.name) })))
    : new Map<number, (ResultRow[] | undefined)[]>();
  await writeJsonAtomic(join(outDir, SETTINGS_JSON), { ...settings, out: outDir });
  // Errors that stop the whole run (disk full, unwritable CSV, a store gone) end every worker.
  const failFast = new AbortController();

  // the store or an endpoint that stops answering stops the run; the images left stay to do on a resume
  const watch = new OutageWatch(() => failFast.abort());
  const store = watch.store(createStore(settings.store, join(outDir, STORED_DIR), opts.access), storeService(settings.store, outDir));
  const s3Reader = items.some((i) => i.s3) ? new S3InputReader(s3Reach) : undefined;
  const finished = (index: number) => kept.get(index)?.every(Boolean) ?? false;
  const todo = items.filter((i) => !finished(i.index));
  const concurrency = Math.max(1, Math.min(settings.concurrency, Math.max(1, todo.length)));
  const providers: UpscaleProvider[] = [];
  // at least two scoring threads, so one image's ORB and its SSIM/PSNR run side by side
  const scorer = new ScorePool(Math.max(concurrency, Math.min(2, availableParallelism())));
  const writer = new ResultsCsvWriter(join(outDir, RESULTS_CSV));
  // Per input, per stored setting: its final rows once written (kept ones from an interrupted run included).
  const slots = new Map<number, (ResultRow[] | undefined)[]>([...kept].map(([index, perPass]) => [index, [...perPass]]));
  const rowsOf = () => new Map([...slots].map(([index, perPass]) => [index, perPass.flatMap((r) => r ?? [])]));
  const completed = new Set<number>([...kept.keys()].filter(finished));
  const keptRowCount = [...kept.values()].reduce((n, perPass) => n + perPass.flat().filter(Boolean).length, 0);
  // every SageMaker provider of the run shares its requests in flight
  const requests = settings.providers.some((p) => p.name === 'sagemaker') ? new RequestSlots(settings.sagemakerRun?.concurrency ?? DEFAULT_REQUESTS_IN_FLIGHT) : undefined;
  let status = 'completed' as RunSummary['status'];
  let message: string | undefined;

  const stop = (err: unknown) => {
    status = 'failed';
    message = describeError(err).message;
    failFast.abort();
  };

  try {
    // One instance per (provider, factor): scale-following providers (local-ai) pick their model from the
    // factor; --fit runs store ~1/4-size copies, so they use x4 there.
    const instances = new Map<string, UpscaleProvider>();
    const inference = new InferenceSlots(); // every local model of the run shares the cores
    const passes: ImagePass[] = [];
    for (const s of plan) {
      const factor = s.downscale.fit ? 4 : s.downscale.factor;
      const list: UpscaleProvider[] = [];
      for (const spec of s.providers) {
        const id = `${factor}\0${JSON.stringify(spec)}`;
        if (!instances.has(id)) {
          const made = watch.provider(await createProvider(spec, { factor, access: opts.access, inference, requests }), providerService(spec));
          instances.set(id, made);
          providers.push(made);
        }
        list.push(instances.get(id)!);
      }
      passes.push({ tag: s.tag, downscale: s.downscale, providers: list });
    }
    if (todo.length) {
      // sessions and ORB's wasm load while the first images are read and stored
      scorer.warm();
      for (const p of providers) p.warm?.();
    }
    await writer.open(inInputOrder(items, rowsOf()));
    emit({
      type: 'start',
      total: items.length,
      done: completed.size,
      kept: keptCounts([...new Set(plan.flatMap((s) => s.providers.map((p) => p.name)))], kept),
      providers: [...new Set(passes.flatMap((p) => p.providers.map((x) => x.name)))],
      outDir,
      rows: items.length * rowsPerImage(plan),
      keptRows: keptRowCount,
      settings: plan.length,
      providerRows: Object.fromEntries([...new Set(plan.flatMap((s) => s.providers.map((p) => p.name)))].map((name) => [name, items.length * plan.filter((s) => s.providers.some((p) => p.name === name)).length])),
    });

    let next = 0;
    let done = completed.size;
    const adaptive = settings.sweep?.adaptive ? target : undefined;
    const signal = opts.signal ? AbortSignal.any([opts.signal, failFast.signal]) : failFast.signal;
    const worker = async () => {
      while (!signal.aborted && next < todo.length) {
        const item = todo[next++];
        const keptHere = kept.get(item.index) ?? [];
        // an adaptive search sees every pass (a kept one answers from its rows); a plain sweep only the open ones
        const open = adaptive ? passes : passes.filter((_, i) => !keptHere[i]);
        let left = passes.filter((_, i) => !keptHere[i]).length;
        const settled = (pass: ImagePass, rows: ResultRow[]) => {
          const perPass = slots.get(item.index) ?? [];
          perPass[passes.indexOf(pass)] = rows;
          slots.set(item.index, perPass);
          // the image's last setting: it counts as done before its rows are announced
          if (--left === 0) {
            completed.add(item.index);
            done++;
          }
        };
        try {
          await processImage(item, {
            outDir,
            store,
            passes: open,
            maxPixels: settings.maxPixels,
            s3Reader,
            scorer,
            metrics: settings.metrics!,
            signal,
            ...(adaptive ? { search: { target: adaptive, known: passes.map((_, i) => keptHere[i]), onSkip: (pass: ImagePass) => settled(pass, []) } } : {}),
            onStage: (stage, provider, setting) => emit({ type: 'stage', index: item.index, path: item.source, stage, provider, setting }),
            onTile: (provider, d, t, inFlight) => emit({ type: 'tile', index: item.index, path: item.source, provider, done: d, total: t, ...(inFlight !== undefined ? { inFlight } : {}) }),
            onPassDone: async (pass, rows) => {
              try {
                for (const row of rows) await writer.append(row);
              } catch (err) {
                return stop(err); // aborts the shared signal: the image stops at its next step
              }
              settled(pass, rows);
              for (const row of rows) emit({ type: 'row', index: item.index, row, done, total: items.length });
            },
          });
        } catch (err) {
          if (isAbortError(err)) return; // an unfinished setting writes no row, so a resume redoes it
          if (!isFatal(err)) throw err;
          return stop(err);
        }
        emit({ type: 'image-done', index: item.index, done, total: items.length });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (status === 'completed' && watch.outage) {
      status = 'stopped';
      message = outageMessage(watch.outage, settings, outDir);
      leaveToDo(slots, completed, watch);
    }
    if (status === 'completed' && opts.signal?.aborted) status = 'cancelled';
  } finally {
    // Not awaited: after a cancel a local model may still be finishing its last tile, and the run's
    // results must not wait for it (each provider releases itself once idle).
    void Promise.all(providers.map((p) => p.dispose?.())).catch(() => undefined);
    await scorer.close();
    store.destroy?.();
    s3Reader?.destroy();
  }

  // an image cancelled halfway keeps the settings it had finished
  const rows = inInputOrder(items, rowsOf());
  if (status === 'failed') await writer.close();
  else await writer.rewrite(rows);
  const written = rows.map(asWritten);
  const scope: AnswerScope = {
    target,
    sweep: !!settings.sweep,
    // a fit has no factor to group by, so only factor runs and sweeps get the storage answer
    storage: !((settings.downscale.fit && !settings.sweep) || settings.sweep?.adaptive),
    adaptive: !!settings.sweep?.adaptive,
  };
  const { answer, policy } = answerOf(rows, written, scope);
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
    ...(opts.resume ? { resumed: { kept_inputs: [...kept.keys()].filter(finished).length, kept_rows: keptRowCount } } : {}),
    counts: {
      inputs: items.length,
      rows: rows.length,
      ok: rows.filter((r) => r.status === 'ok').length,
      errors: rows.filter((r) => r.status === 'error').length,
      not_run: items.length - completed.size,
    },
    totals: storageTotals(rows),
    images_per_minute: completed.size && wallMs ? Number(((completed.size / wallMs) * 60_000).toFixed(2)) : null,
    ...answer,
    ...(requests ? { sagemaker: sagemakerSummary(requests, rows, settings.sagemakerRun) } : {}),
    ...(settings.sweep?.adaptive ? { adaptive_search: searchCounts(written, plan.length) } : {}),
    // the same answer for each group's rows
    ...(groupBy && groupBy !== 'none' ? { group_by: groupBy, groups: groupAnswers(rows, written, scope, groupInputs(items, completed)) } : {}),
  };
  try {
    if (policy) await writeTextAtomic(join(outDir, POLICY_CSV), policyCsv(policy));
    await writeJsonAtomic(join(outDir, SUMMARY_JSON), summary);
  } catch (err) {
    summary.status = 'failed';
    summary.message ??= `cannot write summary.json: ${(err as Error).message}`;
  }
  emit({ type: 'end', summary });
  return summary;
}

/** What the adaptive search saved: stored copies made (each one encode, upload and read-back) against the full grid. */
function searchCounts(rows: ResultRow[], settingsInGrid: number): NonNullable<RunSummary['adaptive_search']> {
  const read = new Set(rows.filter((r) => r.width !== null).map((r) => r.image_path));
  const tried = new Set(rows.filter((r) => r.width !== null).map((r) => `${r.image_path}\0${r.factor}|${r.format}|${r.quality}`)).size;
  const grid = read.size * settingsInGrid;
  return { images: read.size, settings_in_grid: settingsInGrid, copies_in_grid: grid, copies_made: tried, saved_percent: grid ? Math.round(((grid - tried) / grid) * 1000) / 10 : 0 };
}

/** The images whose rows failed only because the service was gone are not done: a resume does them. */
function leaveToDo(slots: Map<number, (ResultRow[] | undefined)[]>, completed: Set<number>, watch: OutageWatch): void {
  for (const [index, perPass] of slots) {
    for (const [i, rows] of perPass.entries()) {
      if (rows?.some((r) => watch.causedOutage(r))) {
        perPass[i] = undefined;
        completed.delete(index);
      }
    }
  }
}

function storeService(spec: StoreSpec, outDir: string): string {
  if (spec.kind === 'local') return `the store folder in ${outDir}`;
  return `the S3 store s3://${spec.bucket}${spec.prefix ? `/${spec.prefix}` : ''}${spec.endpoint ? ` at ${spec.endpoint}` : spec.region ? ` in ${spec.region}` : ''}`;
}

function providerService(spec: ProviderSpec): string {
  return spec.name === 'sagemaker' ? `SageMaker endpoint '${spec.endpoint}'${spec.url ? ` at ${spec.url}` : spec.region ? ` in ${spec.region}` : ''}` : `the ${spec.name} provider`;
}

/** One sentence: what stopped answering, and how to finish once it is back. */
function outageMessage(o: Outage, settings: RunSettings, outDir: string): string {
  const moved = o.service.startsWith('the S3') ? ' (with --s3-endpoint URL if it moved)' : o.service.startsWith('SageMaker') ? ' (with --sagemaker-url URL if it moved)' : '';
  return (
    `${o.service} stopped answering (${o.code}, ${o.count} times in a row), so the run stopped with its finished rows kept; ` +
    `once it answers again, finish it with \`upscale-bench ${settings.sweep ? 'sweep' : 'run'} --resume ${outDir}\`${moved} or Resume in the app's Past runs`
  );
}

function keptCounts(providers: string[], kept: Map<number, (ResultRow[] | undefined)[]>): KeptCount[] {
  const rows = [...kept.values()].flatMap((perPass) => perPass.flatMap((r) => r ?? []));
  return providers.map((provider) => {
    const mine = rows.filter((r) => r.provider === provider);
    return { provider, rows: mine.length, errors: mine.filter((r) => r.status === 'error').length };
  });
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
