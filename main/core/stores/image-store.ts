import { BenchError } from '../errors.js';

/** How a key was stored, recorded beside it so `retrieve` can bring it back at the original's size. */
export interface StoredImageInfo {
  originalWidth: number;
  originalHeight: number;
  /** The downscale factor; absent when the image was fitted into a size range (--fit). */
  factor?: number;
}

/** Where downscaled copies live between "store" and "retrieve". */
export interface ImageStore {
  readonly kind: 'local' | 's3';
  /** Human-readable location, e.g. `s3://bucket/prefix` or a folder path. */
  describe(): string;
  /** Full address of one key, for the results row. */
  locationOf(key: string): string;
  put(key: string, bytes: Buffer, contentType: string, signal?: AbortSignal, info?: StoredImageInfo): Promise<void>;
  get(key: string, signal?: AbortSignal): Promise<Buffer>;
  /** What `put` recorded about the key; undefined when nothing was (an older store, another tool's object). */
  info(key: string, signal?: AbortSignal): Promise<StoredImageInfo | undefined>;
  /** Cheap check that the store is usable (bucket reachable, folder writable). */
  check(signal?: AbortSignal): Promise<void>;
  /** Releases network clients, if any. */
  destroy?(): void;
}

/** The local store's own records live in this folder of its root; no key may start with it. */
export const RECORDS_DIR = '.upscale-bench-records';

/** Keys are relative POSIX paths; refuse anything that could step outside the store or into its records. */
export function assertSafeKey(key: string): void {
  if (!key || key.startsWith('/') || key.includes('\\') || key.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new BenchError('ERROR_STORE', `unsafe store key: ${JSON.stringify(key)}`);
  }
  if (key.split('/')[0] === RECORDS_DIR) throw new BenchError('ERROR_STORE', `store keys cannot start with ${RECORDS_DIR}/ (the store's own records)`);
}

/** StoredImageInfo as string pairs (S3 user metadata, a sidecar), and back; anything malformed reads as no record. */
export function infoToMetadata(info: StoredImageInfo): Record<string, string> {
  return {
    'original-width': String(info.originalWidth),
    'original-height': String(info.originalHeight),
    ...(info.factor !== undefined ? { factor: String(info.factor) } : {}),
  };
}

export function infoFromMetadata(m: Record<string, string> | undefined): StoredImageInfo | undefined {
  const whole = (v: string | undefined) => (v !== undefined && /^[1-9]\d{0,6}$/.test(v) ? Number(v) : undefined);
  const originalWidth = whole(m?.['original-width']);
  const originalHeight = whole(m?.['original-height']);
  if (!originalWidth || !originalHeight) return undefined;
  const factor = whole(m?.factor);
  return { originalWidth, originalHeight, ...(factor ? { factor } : {}) };
}

export function joinKey(prefix: string | undefined, key: string): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return p ? `${p}/${key}` : key;
}
