import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/**
 * The files a module graph loads from disk, found the way Node finds them: every literal `import`,
 * `import()` and `require()` in each file, resolved from that file by Node's own resolvers (the ESM one
 * for ES modules, with the `import` conditions; the CommonJS one for the rest), followed into
 * node_modules. `problems` names each specifier that does not resolve to a real file under `root`.
 *
 * A package can also load what no literal shows (protobufjs finds `long` through an eval'd require, sharp
 * its platform binary through a computed path), so every package the walk enters must have its declared
 * dependencies, and theirs, under `root` too (type-only `@types/*` aside). A package that `installed`
 * says the app does not ship at all (another platform's binary, an optional package) is left out.
 */
export function walkModuleGraph(root: string, entries: string[], installed: (pkg: string) => boolean): { files: string[]; packages: string[]; problems: string[] } {
  const seen = new Set<string>();
  const problems: string[] = [];
  const show = (f: string) => relative(root, f).split(sep).join('/');
  const inside = (f: string) => f.startsWith(root + sep) && existsSync(f);
  let level = entries.filter((e) => {
    if (inside(e)) return true;
    problems.push(`${show(e)}: not a file outside the archive`);
    return false;
  });
  level.forEach((f) => seen.add(f));
  while (level.length) {
    const next: string[] = [];
    const edges = level.flatMap((from) => {
      const esm = isEsm(from, root);
      return specifiers(from).map((specifier) => ({ from, specifier, esm }));
    });
    const esmTargets = resolveEsm(edges.filter((e) => e.esm).map((e) => [e.specifier, pathToFileURL(e.from).href]));
    let i = 0;
    for (const e of edges) {
      const to = e.esm ? esmTargets[i++] : resolveCjs(e.specifier, e.from);
      // another platform's binary, or an optional package that a try around its require tolerates
      if (!to && !e.specifier.startsWith('.') && !installed(packageName(e.specifier))) continue;
      if (!to || !inside(to)) {
        problems.push(`${show(e.from)} loads '${e.specifier}': ${to ? `${show(to)} is not a file outside the archive` : 'not found outside the archive'}`);
        continue;
      }
      if (!seen.has(to)) {
        seen.add(to);
        if (/\.[cm]?js$/.test(to)) next.push(to);
      }
    }
    level = next;
  }
  for (const f of seen) if (/\.js$/.test(f) && !f.includes(`${sep}node_modules${sep}`) && !isEsm(f, root)) problems.push(`${show(f)}: no package.json with "type": "module" above it outside the archive, so Node would not load it as an ES module`);
  const packages = declaredClosure(root, [...seen], installed, problems);
  return { files: [...seen].map(show).sort(), packages, problems };
}

const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Literal module specifiers in a file: static and dynamic imports, re-exports, require() calls. */
function specifiers(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return [...new Set(info.importedFiles.map((f) => f.fileName))].filter((s) => !isBuiltin(s));
}

/** As Node decides: .mjs, or .js under a package.json (on disk, below `root`) that says "type": "module". */
function isEsm(file: string, root: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir.startsWith(root); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
  }
  return false;
}

function resolveCjs(specifier: string, from: string): string | undefined {
  try {
    return createRequire(from).resolve(specifier);
  } catch {
    return undefined;
  }
}

/** Node's ESM resolver, from any parent module: `import.meta.resolve(specifier, parent)` needs a flag, so it runs in a child. */
function resolveEsm(pairs: [string, string][]): (string | undefined)[] {
  if (!pairs.length) return [];
  const code = `import { readFileSync } from 'node:fs';
const pairs = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(pairs.map(([s, p]) => { try { return import.meta.resolve(s, p); } catch { return null; } })));`;
  const out = execFileSync(process.execPath, ['--experimental-import-meta-resolve', '--input-type=module', '-e', code], {
    input: JSON.stringify(pairs),
    encoding: 'utf8',
  });
  return (JSON.parse(out) as (string | null)[]).map((u) => (u && u.startsWith('file:') ? fileURLToPath(u) : undefined));
}

/** The packages the walk entered, and the declared dependencies of each, transitively; each must be a real folder. */
function declaredClosure(root: string, files: string[], installed: (pkg: string) => boolean, problems: string[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const m = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(f);
    if (m) dirs.add(m[1]);
  }
  const queue = [...dirs];
  while (queue.length) {
    const dir = queue.pop()!;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (dep.startsWith('@types/') || !installed(dep)) continue;
      const found = packageDir(dep, dir, root);
      if (!found) {
        problems.push(`${relative(root, dir).split(sep).join('/')} depends on '${dep}': not found outside the archive`);
      } else if (!dirs.has(found)) {
        dirs.add(found);
        queue.push(found);
      }
    }
  }
  return [...dirs].map((d) => relative(root, d).split(sep).join('/')).sort();
}

/** Where Node would find package `name` from folder `from`: the nearest node_modules/<name> above it, on disk. */
function packageDir(name: string, from: string, root: string): string | undefined {
  for (let dir = from; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return undefined;
}
