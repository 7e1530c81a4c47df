import { opendir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isImagePath } from '../image/formats.js';
import type { InputItem } from './input-item.js';

export interface WalkOptions {
  /** Folders never descended into (the run's own output, typically). */
  exclude?: string[];
}

/**
 * Every image under `root` by extension (case-insensitive), skipping hidden entries and excluded
 * folders. Symlinked folders are followed once (a loop is walked no further); a file link that does
 * not resolve is still listed so its row can say why.
 */
export async function listImages(root: string, opts: WalkOptions = {}): Promise<InputItem[]> {
  const top = resolve(root);
  const excluded = new Set<string>();
  for (const e of opts.exclude ?? []) excluded.add(await realpath(e).catch(() => resolve(e)));
  const seen = new Set<string>();
  const found: { path: string; rel: string }[] = [];

  async function walk(dir: string, rel: string): Promise<void> {
    const real = await realpath(dir).catch(() => dir);
    if (seen.has(real) || excluded.has(real)) return;
    seen.add(real);
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      return; // an unreadable sub-folder holds nothing we can list
    }
    const entries = [];
    for await (const entry of handle) entries.push(entry);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        isDir = Boolean(target?.isDirectory());
      }
      if (isDir) await walk(path, childRel);
      else if (isImagePath(entry.name)) found.push({ path, rel: childRel });
    }
  }

  await walk(top, '');
  return found.map((f, index) => ({ index, source: f.path, path: f.path, rel: f.rel }));
}
