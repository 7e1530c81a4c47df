import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, posix, relative, resolve, sep, parse as parsePath } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BenchError } from '../errors.js';
import type { InputItem } from './input-item.js';
import { isImagePath } from '../image/formats.js';
import { BUCKET_NAME, isS3Uri, parseS3Uri, s3Uri } from './s3-uri.js';
import { CSV_GROUP_COLUMN, NO_GROUP } from './groups.js';

export const CSV_PATH_COLUMN = 'image_path';

/**
 * Reads a CSV of image paths: a header with `image_path` (the original testHelp.py's) or `path`, or a
 * single headerless column. BOM, CRLF, quotes and blank lines are fine; relative paths are taken from
 * the CSV's own folder. A cell may be an s3://bucket/key URI instead, mixed with local paths; an S3 Inventory
 * data file (headerless bucket,key,… rows) is read as the image objects it lists. A `group` column beside the
 * paths sets each item's group.
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
  let sources: string[] | undefined;
  let groups: string[] | undefined;
  const headed = col >= 0;
  if (headed) rows = rows.slice(1);
  else if (rows.every((r) => r.length === 1)) col = 0;
  else if (rows.every(isInventoryRow)) sources = rows.map(inventoryUri).filter(isImagePath);
  else throw new BenchError('ERROR_BAD_SETTINGS', `CSV ${csvPath} has no '${CSV_PATH_COLUMN}' column`);

  const base = dirname(resolve(csvPath));
  if (!sources) {
    const named = rows.filter((r) => (r[col] ?? '').trim() !== '');
    sources = named.map((r) => r[col].trim());
    // a header with a `group` column names each row's group (an empty cell: no group of its own)
    const groupCol = headed ? header.indexOf(CSV_GROUP_COLUMN) : -1;
    if (groupCol >= 0) groups = named.map((r) => (r[groupCol] ?? '').trim() || NO_GROUP);
  }
  // an s3:// URI stays an address; a local path is taken from the CSV's folder
  const paths = sources.map((s) => (isS3Uri(s) ? s : isAbsolute(s) ? resolve(s) : resolve(base, s)));
  const root = commonFolder(paths.filter((p) => !isS3Uri(p)));
  // objects are named below their common folder (of `bucket/key`), as local files are below theirs
  const s3Root = commonFolder(paths.filter(isS3Uri).map((p) => p.slice('s3://'.length)), posix);
  const s3Rel = (uri: string) => (s3Root && s3Root !== '.' ? posix.relative(s3Root, uri.slice('s3://'.length)) : uri.slice('s3://'.length));
  const firstIndex = new Map<string, number>();
  const used = new Set<string>();
  return paths.map((path, index) => {
    let rel = isS3Uri(path) ? s3Rel(path) : toRel(root, path);
    const first = firstIndex.get(path);
    if (first === undefined) firstIndex.set(path, index);
    // a repeat, or a local path and an object that would share a name (a CSV mixing both), gets a name of its own
    if (first !== undefined || used.has(rel)) rel = withSuffix(rel, `~dup${index + 1}`);
    used.add(rel);
    const s3 = isS3Uri(path) ? parseS3Uri(path) : undefined;
    return { index, source: sources[index], path, rel, ...(first !== undefined ? { duplicateOf: first } : {}), ...(s3 ? { s3 } : {}), ...(groups ? { group: groups[index] } : {}) };
  });
}

/**
 * An S3 Inventory CSV data file: headerless `bucket,key,…` rows, the key URL-encoded (a space as `+`). Its
 * objects are taken as a prefix's are: images by extension.
 */
const isInventoryRow = (r: string[]) => r.length >= 2 && BUCKET_NAME.test(r[0]) && r[1] !== '';
const inventoryUri = (r: string[]) => s3Uri(r[0], decodeURIComponent(r[1].replace(/\+/g, ' ')));

function toRel(root: string, path: string): string {
  const rel = root ? relative(root, path) : path;
  return rel.split(sep).join('/').replace(/^[A-Za-z]:/, (d) => d[0]).replace(/^\/+/, '');
}

function withSuffix(rel: string, suffix: string): string {
  const p = parsePath(rel);
  return `${p.dir ? `${p.dir}/` : ''}${p.name}${suffix}${p.ext}`;
}

/** The deepest folder holding every path ('' when there is none, e.g. across Windows drives). */
export function commonFolder(paths: string[], style: { dirname: (p: string) => string; sep: string } = { dirname, sep }): string {
  if (paths.length === 0) return '';
  let common = style.dirname(paths[0]).split(style.sep);
  for (const p of paths.slice(1)) {
    const parts = style.dirname(p).split(style.sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  const joined = common.join(style.sep);
  return joined === '' && common.length > 0 ? style.sep : joined;
}
