import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { S3Reach } from '../aws/s3-client.js';
import { BenchError } from '../errors.js';
import { isImagePath } from '../image/formats.js';
import { readPathCsv } from './csv-list.js';
import { listImages } from './folder.js';
import type { InputItem } from './input-item.js';
import { type ListingIdentity, type ListingProgress, listS3Images, s3Item } from './s3-prefix.js';
import { type SampleSpec, sampleOf } from './sample.js';
import { isInventoryManifest, readInventory } from './s3-inventory.js';
import { asFolderPrefix, isS3Uri, parseS3Uri } from './s3-uri.js';

export type InputKind = 'folder' | 'csv' | 'file' | 's3';

export interface ResolveOptions {
  /** Folders never descended into (the run's own output). */
  exclude?: string[];
  /** How s3:// inputs (a prefix, or URIs in a CSV) are reached. */
  s3?: S3Reach;
  sample?: SampleSpec;
  /** The images a sample picked before (settings.json): a resume reads exactly these, without listing again. */
  chosen?: string[];
  onListing?: (p: ListingProgress) => void;
  /** ListObjectsV2 page size (tests force small pages). */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface ResolvedInput {
  kind: InputKind;
  items: InputItem[];
  /** An s3:// prefix's listing. */
  listing?: ListingIdentity;
}

/** A folder, a CSV of paths (local or s3://), one image, an s3://bucket/prefix or an S3 Inventory manifest.json; sampled when asked. */
export async function resolveInput(input: string, o: ResolveOptions = {}): Promise<ResolvedInput> {
  if (isInventoryManifest(input)) {
    if (o.chosen) return { kind: 's3', items: o.chosen.map((uri, i) => ({ ...parseS3Uri(uri), i })).map((c) => s3Item(c.bucket, '', c.key, c.i)) };
    const { items, listing } = await readInventory(input, o.s3 ?? {}, { sample: o.sample, onProgress: o.onListing, signal: o.signal });
    return { kind: 's3', items, listing };
  }
  if (isS3Uri(input)) {
    const { bucket, key } = parseS3Uri(input);
    if (o.chosen) return { kind: 's3', items: o.chosen.map((uri, i) => s3Item(bucket, asFolderPrefix(key), parseS3Uri(uri).key, i)) };
    const { items, listing } = await listS3Images(input, o.s3 ?? {}, { sample: o.sample, onProgress: o.onListing, pageSize: o.pageSize, signal: o.signal });
    return { kind: 's3', items, listing };
  }
  const abs = resolve(input);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new BenchError('ERROR_BAD_SETTINGS', `input not found: ${input}`);
  let kind: InputKind;
  let items: InputItem[];
  if (st.isDirectory()) [kind, items] = ['folder', await listImages(abs, { exclude: o.exclude })];
  else if (abs.toLowerCase().endsWith('.csv')) [kind, items] = ['csv', await readPathCsv(abs)];
  else if (isImagePath(abs)) return { kind: 'file', items: [{ index: 0, source: input, path: abs, rel: basename(abs) }] };
  else throw new BenchError('ERROR_BAD_SETTINGS', `input must be a folder, a .csv of image paths, an image or an s3://bucket/prefix: ${input}`);
  if (o.chosen) {
    const wanted = new Set(o.chosen);
    items = items.filter((i) => wanted.has(i.source));
  } else if (o.sample) items = sampleOf(items, o.sample, (i) => i.rel);
  return { kind, items: o.chosen || o.sample ? renumbered(items) : items };
}

/** A sample's items numbered 0… in input order; a repeat keeps pointing at its first row only if that was picked. */
function renumbered(items: InputItem[]): InputItem[] {
  const at = new Map(items.map((it, i) => [it.index, i]));
  return items.map(({ duplicateOf, ...it }, index) => {
    const first = duplicateOf === undefined ? undefined : at.get(duplicateOf);
    return { ...it, index, ...(first !== undefined ? { duplicateOf: first } : {}) };
  });
}
