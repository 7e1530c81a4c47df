import { stringify } from 'csv-stringify/sync';
import { RESULT_COLUMNS, type ResultRow } from './row.js';

const DECIMALS: Partial<Record<keyof ResultRow, number>> = { orb_score: 4, psnr: 3, ssim: 4, saved_percent: 2 };

/** Spreadsheets run cells that start with these; a leading apostrophe keeps them text. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Numbers stay plain numbers (never "87%"); infinite PSNR is written `inf`, as numpy prints it. */
export function formatCell(key: keyof ResultRow, value: ResultRow[keyof ResultRow]): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (value === Infinity) return 'inf';
    if (!Number.isFinite(value)) return '';
    const d = DECIMALS[key];
    return d === undefined ? String(value) : String(Number(value.toFixed(d)));
  }
  return escapeFormula(String(value));
}

export function csvHeader(): string {
  return stringify([RESULT_COLUMNS as string[]], { record_delimiter: '\n' });
}

export function csvLine(row: ResultRow): string {
  return stringify([RESULT_COLUMNS.map((k) => formatCell(k, row[k]))], { record_delimiter: '\n' });
}

/** Reads a cell back into a number (the inverse of formatCell for numeric columns). */
export function parseNumber(cell: string): number | null {
  if (cell === '') return null;
  if (cell === 'inf') return Infinity;
  const n = Number(cell);
  return Number.isNaN(n) ? null : n;
}
