import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep, parse as parsePath } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BenchError } from '../errors.js';
import type { InputItem } from './input-item.js';

export const CSV_PATH_COLUMN = 'image_path';

/**
 * Reads a CSV of image paths: a header with `image_path` (the original testHelp.py's) or `path`, or a
 * single headerless column. BOM, CRLF, quotes and blank lines are fine; relative paths are taken from
 * the CSV's own folder.
 */
export async function readPathCsv(csvPath: string): Promise<InputItem[]> {
  const text = await readFile(csvPath, 'utf8').catch((err) => {
    throw new BenchError('ERROR_BAD_SETTINGS', `cannot read CSV ${csvPath}: ${(err as Error).message}`);
  });
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true });
  } catch (err) {
    throw new BenchError('ERROR_BAD_SETTINGS', `cannot parse CSV ${csvPath}: ${(err as Error).message}`);
  }
  rows = rows.filter((r) => r.some((c) => c.trim() !== ''));
  if (rows.length === 0) return [];
  const header = rows[0].map((h) => h.trim().toLowerCase());
  let col = header.indexOf(CSV_PATH_COLUMN);
  if (col < 0) col = header.indexOf('path');
  if (col >= 0) rows = rows.slice(1);
  else if (rows.every((r) => r.length === 1)) col = 0;
  else throw new BenchError('ERROR_BAD_SETTINGS', `CSV ${csvPath} has no '${CSV_PATH_COLUMN}' column`);

  const base = dirname(resolve(csvPath));
  const sources = rows.map((r) => (r[col] ?? '').trim()).filter((s) => s !== '');
  const paths = sources.map((s) => (isAbsolute(s) ? resolve(s) : resolve(base, s)));
  const root = commonFolder(paths);
  const firstIndex = new Map<string, number>();
  return paths.map((path, index) => {
    let rel = toRel(root, path);
    const first = firstIndex.get(path);
    if (first === undefined) firstIndex.set(path, index);
    else rel = withSuffix(rel, `~dup${index + 1}`);
    return { index, source: sources[index], path, rel, ...(first !== undefined ? { duplicateOf: first } : {}) };
  });
}

function toRel(root: string, path: string): string {
  const rel = root ? relative(root, path) : path;
  return rel.split(sep).join('/').replace(/^[A-Za-z]:/, (d) => d[0]).replace(/^\/+/, '');
}

function withSuffix(rel: string, suffix: string): string {
  const p = parsePath(rel);
  return `${p.dir ? `${p.dir}/` : ''}${p.name}${suffix}${p.ext}`;
}

/** The deepest folder holding every path ('' when there is none, e.g. across Windows drives). */
export function commonFolder(paths: string[]): string {
  if (paths.length === 0) return '';
  let common = dirname(paths[0]).split(sep);
  for (const p of paths.slice(1)) {
    const parts = dirname(p).split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  const joined = common.join(sep);
  return joined === '' && common.length > 0 ? sep : joined;
}
