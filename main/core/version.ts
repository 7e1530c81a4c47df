import { existsSync, readFileSync } from 'node:fs';

/** package.json sits two folders up from the source and three from the compiled file. */
function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'upscale-bench' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}

export const VERSION = readVersion();
