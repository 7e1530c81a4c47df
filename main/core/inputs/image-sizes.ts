import { open } from 'node:fs/promises';
import sharp from 'sharp';
import type { PixelSize, SizeSample } from '../pipeline/estimate.js';
import type { InputItem } from './input-item.js';

const HEAD_BYTES = 256 * 1024;
/** A header that is not in the first bytes (TIFF can keep it at the end) is looked for in files up to this size. */
const WHOLE_FILE_MAX = 32 * 1024 * 1024;

export interface SizeOptions {
  /** At most this many headers are read; a bigger input is sampled evenly. */
  maxHeaders?: number;
  /** Stop reading after this long and estimate from what was read. */
  budgetMs?: number;
  /** Headers read at once. */
  parallel?: number;
}

/**
 * Width × height of the input's images from their headers (no pixel is decoded), for the time estimate.
 * Bounded for huge folders: an even sample, visited so that stopping early still spreads over the input.
 */
export async function readImageSizes(items: InputItem[], o: SizeOptions = {}): Promise<SizeSample> {
  const max = Math.max(1, o.maxHeaders ?? 400);
  const deadline = Date.now() + (o.budgetMs ?? 3000);
  const picked = items.length <= max ? items : Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]);
  const order = spreadOrder(picked.length).map((i) => picked[i]);
  const sizes: (PixelSize | null)[] = [];
  let next = 0;
  const worker = async () => {
    while (next < order.length && Date.now() < deadline) {
      const item = order[next++];
      sizes.push(await headerSize(item.path));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.parallel ?? 4) }, worker));
  return { total: items.length, sizes };
}

/** 0, n/2, n/4, 3n/4, …: any prefix of this order covers the whole range. */
export function spreadOrder(n: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let step = 2 ** Math.ceil(Math.log2(Math.max(1, n))); step >= 1; step /= 2) {
    for (let i = 0; i < n; i += step) {
      if (!seen.has(i)) {
        seen.add(i);
        out.push(i);
      }
    }
  }
  return out;
}

/** The size from the file's first bytes (opened read-only), or null when it cannot be read there. */
export async function headerSize(path: string): Promise<PixelSize | null> {
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (!size) return null;
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await handle.read(head, 0, head.length, 0);
    let meta = await sharp(head, { limitInputPixels: false }).metadata().catch(() => null);
    if (!meta?.width && size > head.length && size <= WHOLE_FILE_MAX) meta = await sharp(await handle.readFile(), { limitInputPixels: false }).metadata().catch(() => null);
    if (!meta?.width || !meta.height) return null;
    // the first page or frame is what a run reads
    const height = meta.pageHeight && meta.pages && meta.pages > 1 ? meta.pageHeight : meta.height;
    return { width: meta.width, height };
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
