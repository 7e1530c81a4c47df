import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { RunDetails, RunListItem, UiRow } from '../../preload/ipc-contract.js';
import { BenchError } from '../core/errors.js';
import { parseNumber } from '../core/results/csv-format.js';
import { RESULTS_CSV, SETTINGS_JSON, SUMMARY_JSON } from '../core/pipeline/layout.js';

const RUN_ID = /^[A-Za-z0-9._-]{1,80}$/;

export interface StoredRow {
  ui: UiRow;
  /** Absolute paths recorded by the run itself (never supplied by the renderer). */
  original: string;
  storedLocation: string;
  upscaled: string;
  raw: Record<string, string>;
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
    const rows = records.map((r, row) => {
      const unescaped = (v: string) => (v.startsWith("'") && /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v);
      const imagePath = unescaped(r.image_path);
      return {
        raw: r,
        original: isAbsolute(imagePath) ? imagePath : resolve(base, imagePath),
        storedLocation: unescaped(r.stored_location),
        upscaled: unescaped(r.upscaled_path),
        ui: toUiRow(row, r, imagePath),
      };
    });
    return { dir, settings, rows };
  }

  async open(runId: string): Promise<RunDetails> {
    const { dir, rows } = await this.rows(runId);
    return { runId, outDir: dir, summary: await readJson(join(dir, SUMMARY_JSON)), rows: rows.map((r) => r.ui) };
  }

  async remove(runId: string): Promise<boolean> {
    const dir = await this.dirOf(runId);
    await rm(dir, { recursive: true, force: true });
    return true;
  }
}

function toUiRow(row: number, r: Record<string, string>, imagePath: string): UiRow {
  const n = (k: string) => parseNumber(r[k] ?? '');
  const psnr = n('psnr');
  return {
    row,
    image_path: imagePath,
    status: r.status === 'ok' ? 'ok' : 'error',
    error: r.error ?? '',
    provider: r.provider ?? '',
    model: r.model ?? '',
    width: n('width'),
    height: n('height'),
    original_bytes: n('original_bytes'),
    stored_bytes: n('stored_bytes'),
    saved_percent: n('saved_percent'),
    upscale_ms: n('upscale_ms'),
    orb_score: n('orb_score'),
    psnr: psnr === Infinity ? null : psnr,
    identical: psnr === Infinity,
    ssim: n('ssim'),
    notes: r.notes ?? '',
  };
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  return readFile(path, 'utf8').then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => null,
  );
}
