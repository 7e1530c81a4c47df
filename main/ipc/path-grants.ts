import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

/**
 * Paths the user granted through a dialog. The renderer may name a path only if main's dialog returned
 * it (or it lies under a granted folder); everything else is refused before any file is touched.
 */
export class PathGrants {
  private readonly roots = new Set<string>();

  async grant(path: string): Promise<string> {
    const real = await realpath(path).catch(() => resolve(path));
    this.roots.add(real);
    return real;
  }

  /** The real path, if it is a granted path or under a granted folder; otherwise null. */
  async check(path: string): Promise<string | null> {
    if (typeof path !== 'string' || path.includes('\0')) return null;
    const real = await realpath(path).catch(() => null);
    if (!real) return null;
    for (const root of this.roots) if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) return real;
    return null;
  }
}
