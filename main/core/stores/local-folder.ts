import { mkdir, readFile, rename, writeFile, access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BenchError, diskFull, throwIfAborted } from '../errors.js';
import { type ImageStore, assertSafeKey } from './image-store.js';

/** The default store: a folder (normally inside the run's output), so the app works with no cloud account. */
export class LocalFolderStore implements ImageStore {
  readonly kind = 'local' as const;
  constructor(readonly root: string) {}

  describe(): string {
    return this.root;
  }

  locationOf(key: string): string {
    assertSafeKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, bytes: Buffer, _contentType: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const path = this.locationOf(key);
    try {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.partial`;
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    } catch (err) {
      throw diskFull(err, path) ?? new BenchError('ERROR_STORE', `local store could not write ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async get(key: string, signal?: AbortSignal): Promise<Buffer> {
    throwIfAborted(signal);
    const path = this.locationOf(key);
    try {
      return await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such key' : (err as Error).message;
      throw new BenchError('ERROR_STORE', `local store could not read '${key}': ${why}`, { cause: err });
    }
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }
}
