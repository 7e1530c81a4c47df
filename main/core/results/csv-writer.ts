import { open, rename, type FileHandle } from 'node:fs/promises';
import { BenchError, diskFull } from '../errors.js';
import { csvHeader, csvLine } from './csv-format.js';
import type { ResultRow } from './row.js';

/**
 * Appends whole rows and syncs each one, so a crash at any instant leaves a CSV of complete rows.
 * `rewrite` puts the file in input order at the end, through a temp file and a rename.
 */
export class ResultsCsvWriter {
  private handle?: FileHandle;
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Starts the file with `initial` rows (a resumed run's finished work), replacing any old file atomically. */
  async open(initial: ResultRow[] = []): Promise<void> {
    try {
      await this.replaceWith(initial);
      this.handle = await open(this.path, 'a');
    } catch (err) {
      throw new BenchError('ERROR_OUTPUT', `cannot write ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Rows are written one at a time, in the order append was called. */
  append(row: ResultRow): Promise<void> {
    const line = csvLine(row);
    this.chain = this.chain.then(async () => {
      try {
        await this.handle!.write(line);
        await this.handle!.datasync();
      } catch (err) {
        throw diskFull(err, this.path) ?? new BenchError('ERROR_OUTPUT', `cannot write ${this.path}: ${(err as Error).message}`, { cause: err });
      }
    });
    return this.chain;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Replaces the file with `rows` (in the order given), atomically. */
  async rewrite(rows: ResultRow[]): Promise<void> {
    await this.close();
    await this.replaceWith(rows);
  }

  /** Header plus rows into a synced temp file, renamed over the results file. */
  private async replaceWith(rows: ResultRow[]): Promise<void> {
    const tmp = `${this.path}.partial`;
    const h = await open(tmp, 'w');
    try {
      await h.write(csvHeader() + rows.map(csvLine).join(''));
      await h.datasync();
    } finally {
      await h.close();
    }
    await rename(tmp, this.path);
  }
}
