import { type ImportErrorCode, ModelImportError } from './models/import/state-dict.js';

/** Error codes a results row, the CLI and (later) the IPC layer can rely on. */
export type ErrorCode =
  | 'ERROR_INPUT_MISSING'
  | 'ERROR_INPUT_UNREADABLE'
  | 'ERROR_INPUT_EMPTY'
  | 'ERROR_NOT_AN_IMAGE'
  | 'ERROR_IMAGE_CORRUPT'
  | 'ERROR_IMAGE_TOO_LARGE'
  | 'ERROR_STORE'
  | 'ERROR_PROVIDER'
  | 'ERROR_PROVIDER_INPUT_TOO_LARGE'
  | 'ERROR_OUTPUT'
  | 'ERROR_DISK_FULL'
  | 'ERROR_CANCELLED'
  | 'ERROR_BAD_SETTINGS'
  | ImportErrorCode
  | 'ERROR_INTERNAL';

/** An error whose message is written for the analyst reading the results row. */
export class BenchError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BenchError';
  }
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'AbortError' || (err instanceof BenchError && err.code === 'ERROR_CANCELLED'))
  );
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new BenchError('ERROR_CANCELLED', 'cancelled');
}

export function describeError(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof BenchError || err instanceof ModelImportError) return { code: err.code, message: err.message };
  if (isAbortError(err)) return { code: 'ERROR_CANCELLED', message: 'cancelled' };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'ERROR_INTERNAL', message };
}

/** Stops waiting for `work` when the signal fires (the work itself runs on, unseen). */
export function raceAbort<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new BenchError('ERROR_CANCELLED', 'cancelled'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** Out of space (or quota) where we write: the run must stop, not fill the CSV with error rows. */
export function diskFull(err: unknown, where: string): BenchError | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new BenchError('ERROR_DISK_FULL', `the output disk is full (${where}); free space, then continue with --resume`, { cause: err });
  return undefined;
}
