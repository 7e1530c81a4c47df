import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { RunDetails, RunListItem, UiRow } from '../../preload/ipc-contract.js';
import { BenchError } from '../core/errors.js';
import { parseResultRow } from '../core/results/csv-format.js';
import type { ResultRow } from '../core/results/row.js';
import { toUi } from './jobs.js';
import { RESULTS_CSV, SETTINGS_JSON, SUMMARY_JSON } from '../core/pipeline/layout.js';

const RUN_ID = /^[A-Za-z0-9._-]{1,80}$/;

export interface StoredRow {
  row: ResultRow;
  ui: UiRow;
  /** The original's absolute path, as the run recorded it (never supplied by the renderer). */
  original: string;
}

/** Runs live as folders directly under the results root; a run id is its folder name. */
export class RunsRepo {
  constructor(private readonly root: () => Promise<string>) {}

  async dirOf(runId: string): Promise<string> {
    if (!RUN_ID.test(runId) || runId === '.' || runId === '..') throw new BenchError('ERROR_BAD_SETTINGS', 'not a valid run id');
    const dir = join(await this.root(), runId);
    const st = await stat(join(dir, SETTINGS_JSON)).catch(() => null);
    if (!st) throw new BenchError('ERROR_BAD_SETTINGS', `no run '${runId}'`);
    return dir;
  }

  async list(): Promise<RunListItem[]> {
    const root = await this.root();
    const names = await readdir(root).catch(() => [] as string[]);
    const items: RunListItem[] = [];
    for (const runId of names.filter((n) => RUN_ID.test(n))) {
      const dir = join(root, runId);
      const summary = await readJson(join(dir, SUMMARY_JSON));
      const settings = await readJson(join(dir, SETTINGS_JSON));
      if (!settings) continue;
      items.push({
        runId,
        outDir: dir,
        startedAt: (summary?.started_at as string) ?? (await stat(dir)).mtime.toISOString(),
        status: (summary?.status as string) ?? 'interrupted',
        inputs: (summary?.counts as { inputs?: number })?.inputs ?? 0,
        ok: (summary?.counts as { ok?: number })?.ok ?? 0,
        errors: (summary?.counts as { errors?: number })?.errors ?? 0,
        providers: ((settings.providers as { name: string }[]) ?? []).map((p) => p.name),
        savedPercent: (summary?.totals as { saved_percent?: number })?.saved_percent ?? null,
        kind: settings.sweep ? 'sweep' : 'run',
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
        original: isAbsolute(row.image_path) ? row.image_path : resolve(base, row.image_path),
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

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  return readFile(path, 'utf8').then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => null,
  );
}
