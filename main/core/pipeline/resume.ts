import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BenchError } from '../errors.js';
import type { InputItem } from '../inputs/input-item.js';
import { parseResultRow } from '../results/csv-format.js';
import type { ResultRow } from '../results/row.js';
import { RESULTS_CSV, SETTINGS_JSON } from './layout.js';
import { underTag } from './stored-settings.js';
import { type RunSettings, recordedScoring } from './settings.js';

/**
 * Settings that change what a row means. Concurrency and the output folder do not, nor where the same data is
 * reached: an S3 endpoint URL or region for the same bucket and prefix, a SageMaker runtime URL for the same endpoint.
 */
function comparable(s: Partial<RunSettings>): Record<string, unknown> {
  const { input, downscale, maxPixels, sweep, metrics } = s;
  const store = s.store?.kind === 's3' ? { ...s.store, endpoint: undefined, region: undefined } : s.store;
  const providers = s.providers?.map((p) => (p.name === 'sagemaker' ? { ...p, url: undefined } : p));
  // which images: the sample's size and seed (its recorded picks are what a resume reads)
  const sample = s.sample && { n: s.sample.n, seed: s.sample.seed };
  return JSON.parse(JSON.stringify({ input, providers, downscale, store, maxPixels, sweep, metrics, sample }));
}

function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [`${path}: was ${JSON.stringify(a)}, now ${JSON.stringify(b)}`];
}

/** The settings an earlier run recorded in its folder (one from before `metrics` with the scoring it had). */
export async function readRunSettings(dir: string): Promise<RunSettings> {
  const text = await readFile(join(dir, SETTINGS_JSON), 'utf8').catch(() => {
    throw new BenchError('ERROR_BAD_SETTINGS', `${dir} holds no interrupted run (no ${SETTINGS_JSON})`);
  });
  try {
    return recordedScoring(JSON.parse(text) as RunSettings);
  } catch {
    throw new BenchError('ERROR_BAD_SETTINGS', `${join(dir, SETTINGS_JSON)} is not readable JSON`);
  }
}

/** Checks that a resumed run asks for what the interrupted one did, and refuses with the differences. */
export async function checkResumable(dir: string, settings: RunSettings): Promise<void> {
  const saved = await readRunSettings(dir);
  // An imported model replaced under the same name since the run started: say so plainly.
  for (const [i, p] of settings.providers.entries()) {
    const was = saved.providers?.[i];
    if (p.name === 'local-ai' && was?.name === 'local-ai' && p.model === was.model && p.modelSha256 !== was.modelSha256) {
      throw new BenchError('ERROR_BAD_SETTINGS', `cannot resume ${dir}: model '${p.model}' changed since the run started (sha256 ${String(was.modelSha256 ?? 'none').slice(0, 12)}… then, ${String(p.modelSha256 ?? 'built-in').slice(0, 12)}… now)`);
    }
    if (p.name === 'local-ai' && was?.name === 'local-ai' && p.model === was.model && p.precision === 'int8' && was.precision === 'int8' && p.int8Sha256 !== was.int8Sha256) {
      throw new BenchError('ERROR_BAD_SETTINGS', `cannot resume ${dir}: the int8 build of model '${p.model}' changed since the run started (sha256 ${String(was.int8Sha256 ?? 'none').slice(0, 12)}… then, ${String(p.int8Sha256 ?? 'none').slice(0, 12)}… now)`);
    }
  }
  const diff = differences(comparable(saved), comparable(settings));
  if (diff.length) throw new BenchError('ERROR_BAD_SETTINGS', `cannot resume ${dir}: its settings differ (${diff.join('; ')})`);
}

/** What resume needs to know of a stored setting: its tag and the providers that read it back. */
export interface PassNames {
  tag: string | null;
  providers: string[];
}

/**
 * The finished work of an interrupted run: per input, per stored setting whose every provider row is `ok`,
 * those rows (undefined for a setting still to do). Anything else (errors, half-done settings, cancelled
 * images) is done again. Inputs with nothing finished are left out.
 */
export async function finishedRows(dir: string, items: InputItem[], passes: PassNames[]): Promise<Map<number, (ResultRow[] | undefined)[]>> {
  const text = await readFile(join(dir, RESULTS_CSV), 'utf8').catch(() => '');
  const records = (text ? parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true }) : []) as Record<string, string>[];
  const ok = records.map(parseResultRow).filter((r) => r.status === 'ok');
  const done = new Map<number, (ResultRow[] | undefined)[]>();
  for (const item of items) {
    const mine = ok.filter((r) => r.image_path === item.source);
    const perPass = passes.map((pass) => {
      const rel = underTag(pass.tag, item.rel);
      const rows = mine.filter((r) => r.stored_key === rel || r.stored_key.startsWith(`${rel}.`));
      const byProvider = pass.providers.map((p) => rows.find((r) => r.provider === p));
      // a kept row takes the item's group as this run derives it (a file from before the column has none)
      return byProvider.every(Boolean) ? (byProvider as ResultRow[]).map((r) => ({ ...r, group: item.group ?? '' })) : undefined;
    });
    if (perPass.some(Boolean)) done.set(item.index, perPass);
  }
  return done;
}
