/** Where downscaled copies live between "store" and "retrieve". */
export interface ImageStore {
  readonly kind: 'local' | 's3';
  /** Human-readable location, e.g. `s3://bucket/prefix` or a folder path. */
  describe(): string;
  /** Full address of one key, for the results row. */
  locationOf(key: string): string;
  put(key: string, bytes: Buffer, contentType: string, signal?: AbortSignal): Promise<void>;
  get(key: string, signal?: AbortSignal): Promise<Buffer>;
  /** Cheap check that the store is usable (bucket reachable, folder writable). */
  check(signal?: AbortSignal): Promise<void>;
  /** Releases network clients, if any. */
  destroy?(): void;
}

/** Keys are relative POSIX paths; refuse anything that could step outside the store. */
export function assertSafeKey(key: string): void {
  if (!key || key.startsWith('/') || key.includes('\\') || key.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new Error(`unsafe store key: ${JSON.stringify(key)}`);
  }
}

export function joinKey(prefix: string | undefined, key: string): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return p ? `${p}/${key}` : key;
}
