import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppSettings } from '../../preload/ipc-contract.js';
import { writeJsonAtomic } from '../core/results/summary.js';

const DEFAULTS: AppSettings = { storagePricePerGbMonth: 0.023, monthlyVolumeImages: 100_000 };

/** settings.json in the user-data folder. Holds preferences only: never credentials. */
export class SettingsStore {
  private cache?: AppSettings & { resultsRoot?: string };
  constructor(private readonly dir: string) {}

  private get file(): string {
    return join(this.dir, 'settings.json');
  }

  async get(): Promise<AppSettings & { resultsRoot?: string }> {
    if (!this.cache) {
      const saved = await readFile(this.file, 'utf8').then(JSON.parse, () => ({}));
      this.cache = { ...DEFAULTS, ...(typeof saved === 'object' && saved ? saved : {}) };
    }
    return this.cache!;
  }

  async set(patch: Partial<AppSettings & { resultsRoot: string }>): Promise<AppSettings & { resultsRoot?: string }> {
    const next = { ...(await this.get()), ...patch };
    await mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(this.file, next);
    this.cache = next;
    return next;
  }
}
