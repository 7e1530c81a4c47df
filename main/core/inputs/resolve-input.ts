import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { BenchError } from '../errors.js';
import { isImagePath } from '../image/formats.js';
import { readPathCsv } from './csv-list.js';
import { listImages } from './folder.js';
import type { InputItem } from './input-item.js';

export type InputKind = 'folder' | 'csv' | 'file';

/** A folder, a CSV of paths, or one image. */
export async function resolveInput(input: string, exclude: string[] = []): Promise<{ kind: InputKind; items: InputItem[] }> {
  const abs = resolve(input);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new BenchError('ERROR_BAD_SETTINGS', `input not found: ${input}`);
  if (st.isDirectory()) return { kind: 'folder', items: await listImages(abs, { exclude }) };
  if (abs.toLowerCase().endsWith('.csv')) return { kind: 'csv', items: await readPathCsv(abs) };
  if (isImagePath(abs)) return { kind: 'file', items: [{ index: 0, source: input, path: abs, rel: basename(abs) }] };
  throw new BenchError('ERROR_BAD_SETTINGS', `input must be a folder, a .csv of image paths, or an image: ${input}`);
}
