import { mkdir, writeFile, rename } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { CSV_PATH_COLUMN } from './csv-list.js';
import { listImages } from './folder.js';

/** The original testHelp.py, done right: recursive, case-insensitive, paths relative to the CSV. */
export async function makeCsv(folder: string, csvPath: string): Promise<number> {
  const out = resolve(csvPath);
  const items = await listImages(folder);
  const base = dirname(out);
  const rows = items.map((i) => {
    const rel = relative(base, i.path);
    return [rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? i.path : rel.split(sep).join('/')];
  });
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.partial`;
  await writeFile(tmp, stringify([[CSV_PATH_COLUMN], ...rows]), 'utf8');
  await rename(tmp, out);
  return items.length;
}
