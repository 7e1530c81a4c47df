import { join, parse } from 'node:path';
import { type StoreFormat, extensionFor } from '../image/formats.js';

/** Where a run keeps its files; one place so the CLI, the app and resume agree. */
export const RESULTS_CSV = 'testResults.csv';
export const SUMMARY_JSON = 'summary.json';
export const SETTINGS_JSON = 'settings.json';
export const STORED_DIR = 'stored';
export const UPSCALED_DIR = 'upscaled';

/** The input's relative path, plus the stored format's extension when it differs (a.jpg → a.jpg.webp). */
export function storeKey(rel: string, format: StoreFormat): string {
  const ext = parse(rel).ext.toLowerCase();
  const want = extensionFor(format);
  const same = ext === want || (format === 'jpeg' && ['.jpeg', '.jpe'].includes(ext));
  return same ? rel : `${rel}${want}`;
}

/** Upscaled images are PNG (lossless, so the file matches the scores). */
export function upscaledPath(outDir: string, provider: string, rel: string): string {
  const file = rel.toLowerCase().endsWith('.png') ? rel : `${rel}.png`;
  return join(outDir, UPSCALED_DIR, provider, ...file.split('/'));
}

export function timestampFolderName(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}
