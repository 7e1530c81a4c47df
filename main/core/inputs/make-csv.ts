import { mkdir, writeFile, rename, lstat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { BenchError } from '../errors.js';
import { CSV_PATH_COLUMN } from './csv-list.js';
import { listImages } from './folder.js';

/** The CSV already exists and replacing it was not asked for. */
export class CsvExistsError extends BenchError {
  constructor(readonly path: string) {
    super('ERROR_BAD_SETTINGS', `${path} already exists`);
  }
}

/**
 * The original testHelp.py, done right: recursive, case-insensitive, paths relative to the CSV (also
 * `../photos/a.jpg` when the CSV sits outside the folder). Only on another Windows drive, where no
 * relative path exists, is a path written absolute. An existing CSV is replaced only when `replace` is set.
 */
export async function makeCsv(folder: string, csvPath: string, opts: { replace?: boolean } = {}): Promise<number> {
  const out = resolve(csvPath);
  if (!opts.replace && (await lstat(out).then(() => true, () => false))) throw new CsvExistsError(out);
  const items = await listImages(folder);
  const base = dirname(out);
  const rows = items.map((i) => {
    const rel = relative(base, i.path);
    return [isAbsolute(rel) ? i.path : rel.split(sep).join('/')];
  });
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.partial`;
  await writeFile(tmp, stringify([[CSV_PATH_COLUMN], ...rows]), 'utf8');
  await rename(tmp, out);
  return items.length;
}
