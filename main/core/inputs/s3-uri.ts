import { BenchError } from '../errors.js';
import type { RunSettings } from '../pipeline/settings.js';
import type { InputItem } from './input-item.js';

export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const isS3Uri = (s: string) => /^s3:\/\//i.test(s.trim());

/** `s3://bucket/key…` → its bucket and key ('' for the bucket's top); a bad bucket name is refused in words. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(uri.trim());
  if (!m || !BUCKET_NAME.test(m[1])) throw new BenchError('ERROR_BAD_SETTINGS', `'${uri}' is not an s3://bucket/prefix address with a valid bucket name`);
  return { bucket: m[1], key: m[2] };
}

/** A prefix taken as a folder: `photos` lists `photos/…`, never `photos-old/…`. */
export const asFolderPrefix = (key: string) => (key === '' || key.endsWith('/') ? key : `${key}/`);

export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** Whether writing under one prefix could touch objects under the other (same bucket, one inside the other). */
export function prefixesOverlap(a: { bucket: string; key: string }, b: { bucket: string; key: string }): boolean {
  if (a.bucket !== b.bucket) return false;
  const x = asFolderPrefix(a.key);
  const y = asFolderPrefix(b.key);
  return x.startsWith(y) || y.startsWith(x);
}

/**
 * The input is read only: a run whose S3 store would write under an s3:// input prefix (or onto an object a CSV
 * lists) is refused before anything is written. Without items, only the input prefix is checked.
 */
export function refuseStoreUnderInput(settings: Pick<RunSettings, 'input' | 'store'>, items: InputItem[] = []): void {
  const store = settings.store;
  if (store.kind !== 's3') return;
  const storeAt = { bucket: store.bucket, key: store.prefix ?? '' };
  const where = s3Uri(storeAt.bucket, asFolderPrefix(storeAt.key));
  // an Inventory manifest's own folder is not read as images; the items check below covers what it lists
  if (isS3Uri(settings.input) && !/manifest\.json$/i.test(settings.input) && prefixesOverlap(storeAt, parseS3Uri(settings.input))) {
    throw new BenchError('ERROR_BAD_SETTINGS', `the S3 store ${where} overlaps the input ${settings.input}: a run never writes where it reads; choose another --prefix or --bucket for the store`);
  }
  const hit = items.find((i) => i.s3 && i.s3.bucket === storeAt.bucket && i.s3.key.startsWith(asFolderPrefix(storeAt.key)));
  if (hit) throw new BenchError('ERROR_BAD_SETTINGS', `the S3 store ${where} holds an input image (${hit.source}): a run never writes where it reads; choose another --prefix or --bucket for the store`);
}
