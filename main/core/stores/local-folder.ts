import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile, access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BenchError, diskFull, throwIfAborted } from '../errors.js';
import { type ImageStore, RECORDS_DIR, type StoredImageInfo, assertSafeKey, infoFromMetadata, infoToMetadata } from './image-store.js';

/**
 * The default store: a folder (normally inside the run's output), so the app works with no cloud account.
 * What S3 keeps as object metadata is a sidecar JSON here, in RECORDS_DIR under the root (which no key may
 * enter), named by a hash of the key so no key's sidecar can meet another key or another key's sidecar.
 */
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

  private recordOf(key: string): string {
    return join(this.root, RECORDS_DIR, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  async put(key: string, bytes: Buffer, _contentType: string, signal?: AbortSignal, info?: StoredImageInfo): Promise<void> {
    throwIfAborted(signal);
    const path = this.locationOf(key);
    const record = this.recordOf(key);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeAtomic(path, bytes);
      // a key stored again without a record must not keep the old one
      if (info) {
        await mkdir(dirname(record), { recursive: true });
        await writeAtomic(record, Buffer.from(JSON.stringify({ key, ...infoToMetadata(info) })));
      } else await rm(record, { force: true });
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

  async info(key: string): Promise<StoredImageInfo | undefined> {
    assertSafeKey(key);
    const text = await readFile(this.recordOf(key), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const m = JSON.parse(text) as Record<string, string>;
      return m.key === key ? infoFromMetadata(m) : undefined;
    } catch {
      return undefined;
    }
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }
}

async function writeAtomic(path: string, bytes: Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.partial`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
