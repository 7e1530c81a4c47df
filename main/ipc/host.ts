import type { JobEvent } from '../../preload/ipc-contract.js';

/** What the handlers need from their surroundings: Electron in the app, typed paths in the web bridge, fixed answers in tests. */
export interface Host {
  /** Per-user app data (settings.json lives here; never secrets). */
  userDataDir: string;
  /** Default parent folder of runs (`<resultsRoot>/<timestamp>/`). */
  defaultResultsRoot: string;
  pickFolder(title: string): Promise<string | null>;
  pickCsv(): Promise<string | null>;
  pickSaveCsv(defaultPath: string): Promise<string | null>;
  openFolder(path: string): Promise<boolean>;
  emit(event: JobEvent): void;
}
