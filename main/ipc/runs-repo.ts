import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { type RunDetails, type RunListItem, type UiRow, isRunId } from '../../preload/ipc-contract.js';
import { BenchError } from '../core/errors.js';
import { parseResultRow } from '../core/results/csv-format.js';
import type { ResultRow } from '../core/results/row.js';
import { toUi } from './jobs.js';
import { RESULTS_CSV, SETTINGS_JSON, SUMMARY_JSON } from '../core/pipeline/layout.js';
import type { ProviderSpec, RunSettings } from '../core/pipeline/settings.js';
import type { RunSummary } from '../core/results/summary.js';
import { isS3Uri } from '../core/inputs/s3-uri.js';


export interface StoredRow {
  row: ResultRow;
  ui: UiRow;
  /** The original's absolute path or s3:// URI, as the run recorded it (never supplied by the renderer). */
  original: string;
}

/**
 * Runs live as folders under the results root; a run id is its folder name. Runs the CLI made there are
 * found too: directly (`--out <root>/<name>`) or one level down (`TestResults/<timestamp>` when it ran
 * with the results folder as its working folder); their id is then `parent/name`.
 */
export class RunsRepo {
  constructor(private readonly root: () => Promise<string>) {}

  async dirOf(runId: string): Promise<string> {
    if (!isRunId(runId)) throw new BenchError('ERROR_BAD_SETTINGS', 'not a valid run id');
    const dir = join(await this.root(), ...runId.split('/'));
    const st = await stat(join(dir, SETTINGS_JSON)).catch(() => null);
    if (!st) throw new BenchError('ERROR_BAD_SETTINGS', `no run '${runId}'`);
    return dir;
  }

  /** Every run folder: a folder with settings.json, directly under the root or inside a folder that is not a run. */
  private async runIds(): Promise<string[]> {
    const root = await this.root();
    const ids: string[] = [];
    const isRun = (dir: string) => stat(join(dir, SETTINGS_JSON)).then((s) => s.isFile(), () => false);
    for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || !isRunId(entry.name)) continue;
      const dir = join(root, entry.name);
      if (await isRun(dir)) ids.push(entry.name);
      else {
        for (const sub of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (sub.isDirectory() && !sub.name.startsWith('.') && isRunId(sub.name) && (await isRun(join(dir, sub.name)))) ids.push(`${entry.name}/${sub.name}`);
        }
      }
    }
    return ids;
  }

  async list(): Promise<RunListItem[]> {
    const root = await this.root();
    const items: RunListItem[] = [];
    for (const runId of await this.runIds()) {
      const dir = join(root, ...runId.split('/'));
      const summary = (await readJson(join(dir, SUMMARY_JSON))) as Partial<RunSummary> | null;
      const settings = (await readJson(join(dir, SETTINGS_JSON))) as Partial<RunSettings> | null;
      if (!settings) continue;
      // an interrupted run has no summary yet: count what its CSV holds
      const counts = summary?.counts ?? (await csvCounts(join(dir, RESULTS_CSV)));
      // a sweep's downscale holds only its kernel: it tries the grid instead
      const downscale: Partial<RunSettings['downscale']> = settings.sweep ? {} : (settings.downscale ?? {});
      const format = downscale.format ?? null;
      items.push({
        runId,
        outDir: dir,
        startedAt: summary?.started_at ?? (await stat(dir)).mtime.toISOString(),
        status: summary?.status ?? 'interrupted',
        input: typeof settings.input === 'string' ? settings.input : '',
        inputs: summary?.counts?.inputs ?? null,
        rows: counts.rows,
        ok: counts.ok,
        errors: counts.errors,
        notRun: summary?.counts?.not_run ?? 0,
        providers: (settings.providers ?? []).map((p) => p.name),
        models: summary?.providers?.length ? summary.providers.map((p) => modelLabel(p.provider, p.model)) : (settings.providers ?? []).map(specLabel),
        factor: downscale.fit ? null : (downscale.factor ?? null),
        fit: downscale.fit ?? null,
        format,
        // quality only means something for the lossy formats (and 'original' of a JPEG/WebP/AVIF)
        quality: format === 'png' ? null : (downscale.quality ?? null),
        savedPercent: settings.sweep ? (summary?.recommendation?.saved_percent_mean ?? null) : (summary?.totals?.saved_percent ?? null),
        kind: settings.sweep ? 'sweep' : 'run',
        grid: settings.sweep ?? null,
      });
    }
    return items.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  }

  async rows(runId: string): Promise<{ dir: string; settings: Record<string, unknown>; rows: StoredRow[] }> {
    const dir = await this.dirOf(runId);
    const settings = (await readJson(join(dir, SETTINGS_JSON))) ?? {};
    const text = await readFile(join(dir, RESULTS_CSV), 'utf8').catch(() => '');
    const records = (text ? parse(text, { columns: true, skip_empty_lines: true }) : []) as Record<string, string>[];
    const input = typeof settings.input === 'string' ? settings.input : '';
    const base = input.toLowerCase().endsWith('.csv') ? dirname(input) : input;
    const rows = records.map((record, index) => {
      const row = parseResultRow(record);
      return {
        row,
        original: isAbsolute(row.image_path) || isS3Uri(row.image_path) ? row.image_path : resolve(base, row.image_path),
        ui: toUi(row, index),
      };
    });
    return { dir, settings, rows };
  }

  async open(runId: string): Promise<RunDetails> {
    const { dir, settings, rows } = await this.rows(runId);
    return { runId, outDir: dir, summary: await readJson(join(dir, SUMMARY_JSON)), rows: rows.map((r) => r.ui), kind: settings.sweep ? 'sweep' : 'run' };
  }

  async remove(runId: string): Promise<boolean> {
    const dir = await this.dirOf(runId);
    await rm(dir, { recursive: true, force: true });
    return true;
  }
}

// the baselines' model strings only restate the kernel
const modelLabel = (provider: string, model: string) => (model && provider !== 'bicubic' && provider !== 'lanczos' ? `${provider} · ${model}` : provider);

function specLabel(p: ProviderSpec): string {
  if (p.name === 'local-ai') return `local-ai · esrgan-${p.model ?? 'thick'}${p.precision === 'int8' ? ' int8' : ''}`;
  if (p.name === 'sagemaker') return `sagemaker · ${p.endpoint}`;
  return p.name;
}

async function csvCounts(path: string): Promise<{ rows: number; ok: number; errors: number }> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const records = (text ? parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true }) : []) as Record<string, string>[];
  const ok = records.filter((r) => r.status === 'ok').length;
  return { rows: records.length, ok, errors: records.length - ok };
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  return readFile(path, 'utf8').then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => null,
  );
}
