import { stringify } from 'csv-stringify/sync';
import { RESULT_COLUMNS, type ResultRow, emptyRow } from './row.js';

const DECIMALS: Partial<Record<keyof ResultRow, number>> = { orb_score: 4, psnr: 3, ssim: 4, ssimulacra2: 4, butteraugli: 4, butteraugli_3norm: 4, saved_percent: 2 };

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

/** Undoes escapeFormula on a cell read back from a CSV we wrote. */
export function unescapeFormula(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

// Numeric columns are the ones an empty row leaves null.
const BLANK = emptyRow('', '', '');
const NUMERIC = new Set(RESULT_COLUMNS.filter((k) => BLANK[k] === null));

/** A testResults.csv record back to a row (numbers as numbers, `inf` as Infinity, text unescaped). */
export function parseResultRow(record: Record<string, string>): ResultRow {
  const row = emptyRow('', '', '') as unknown as Record<string, unknown>;
  for (const k of RESULT_COLUMNS) {
    const cell = record[k] ?? '';
    row[k] = NUMERIC.has(k) ? parseNumber(cell) : unescapeFormula(cell);
  }
  return row as unknown as ResultRow;
}

/** A row as testResults.csv holds it (numbers rounded as written), so figures derived from it match the file's. */
export const asWritten = (row: ResultRow): ResultRow => parseResultRow(Object.fromEntries(RESULT_COLUMNS.map((k) => [k, formatCell(k, row[k])])));
