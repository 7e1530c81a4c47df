import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { S3Reach } from '../aws/s3-client.js';
import { BenchError } from '../errors.js';
import { isImagePath } from '../image/formats.js';
import { readPathCsv } from './csv-list.js';
import { listImages } from './folder.js';
import type { InputItem } from './input-item.js';
import { CSV_GROUP_COLUMN, type GroupBy, folderGroup } from './groups.js';
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
  /** How items are grouped (unset: a CSV's `group` column when it has one). */
  groupBy?: GroupBy;
  /** ListObjectsV2 page size (tests force small pages). */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface ResolvedInput {
  kind: InputKind;
  items: InputItem[];
  /** An s3:// prefix's listing. */
  listing?: ListingIdentity;
  /** The grouping that applied (each item's `group` set); unset when the items are not grouped. */
  groupBy?: GroupBy;
}

/**
 * A folder, a CSV of paths (local or s3://), one image, an s3://bucket/prefix or an S3 Inventory manifest.json;
 * sampled when asked, grouped when asked.
 */
export async function resolveInput(input: string, o: ResolveOptions = {}): Promise<ResolvedInput> {
  const { kind, items, listing } = await listInput(input, o);
  // a CSV's group cells are read whatever --group-by says: `column` needs them, and their presence sets the default
  const { items: withGroups, groupBy } = grouped(items, o.groupBy, input, items.some((i) => i.group !== undefined));
  return { kind, items: withGroups, ...(listing ? { listing } : {}), ...(groupBy ? { groupBy } : {}) };
}

async function listInput(input: string, o: ResolveOptions): Promise<Omit<ResolvedInput, 'groupBy'>> {
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

/**
 * The items with their group as `groupBy` asks (unset: a CSV's `group` column when it has one, else none),
 * and the grouping that applied, which settings.json records. A folder group is the first segment of the
 * item's `rel`: below a folder, below an s3:// prefix, or below a CSV's common folder (its s3:// URIs below
 * their common prefix).
 */
function grouped(items: InputItem[], groupBy: GroupBy | undefined, input: string, hasGroupColumn: boolean): { items: InputItem[]; groupBy?: GroupBy } {
  const by = groupBy ?? (hasGroupColumn ? 'column' : undefined);
  if (by === 'column' && !hasGroupColumn) {
    throw new BenchError('ERROR_BAD_SETTINGS', `--group-by column needs a CSV with a '${CSV_GROUP_COLUMN}' column, and ${input} has none; use --group-by folder to group by the first folder level`);
  }
  if (by === 'folder') return { items: items.map((i) => ({ ...i, group: folderGroup(i.rel) })), groupBy: by };
  if (by === 'column') return { items, groupBy: by };
  // none: a CSV's group cells are left unused
  return { items: hasGroupColumn ? items.map(({ group: _unused, ...i }) => i) : items, ...(by ? { groupBy: by } : {}) };
}
