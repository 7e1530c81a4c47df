import { statSync } from 'node:fs';
import { join } from 'node:path';
import { modelsDir } from '../paths.js';
import { LOCAL_MODELS, type LocalModelName } from './catalog.js';
import { type LibraryEntry, ModelLibrary } from './library.js';
import { onnxFileName } from './model-files.js';

/** One model the local-ai provider can run, built in or imported: what `models` and the app list. */
export interface ModelListing {
  name: string;
  kind: 'built-in' | 'imported';
  architecture: string;
  /** Built-ins have one graph per scale; an imported model has its own scale. */
  scales: number[];
  /** Bytes of the graphs on disk (null for a built-in whose graphs are not built). */
  sizeBytes: number | null;
  /** Output megapixels per second: measured on this machine by runs (imported), or on the reference machine at x4 (built-in). */
  speed?: { mpsOut: number; where: 'this machine' | 'reference machine' };
  license?: string;
  summary: string;
  int8?: { mpsX4: number; summary: string };
  /** Imported models only. */
  imported?: LibraryEntry;
}

const BUILTIN_ARCH: Record<LocalModelName, string> = { thick: 'RRDN (ESRGAN)', medium: 'RDN (ESRGAN)', slim: 'RDN (ESRGAN)' };

export function builtinListings(): ModelListing[] {
  const dir = modelsDir();
  return Object.entries(LOCAL_MODELS).map(([name, m]) => {
    const sizes = m.scales.map((s) => statSync(join(dir, onnxFileName(name, s)), { throwIfNoEntry: false })?.size);
    return {
      name,
      kind: 'built-in' as const,
      architecture: BUILTIN_ARCH[name as LocalModelName],
      scales: [...m.scales],
      sizeBytes: sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a! + b!, 0)! : null,
      speed: { mpsOut: m.mpsX4, where: 'reference machine' as const },
      license: 'MIT',
      summary: m.summary,
      ...('int8' in m ? { int8: m.int8 } : {}),
    };
  });
}

export function importedListing(e: LibraryEntry): ModelListing {
  const shape = Object.entries(e.details ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return {
    name: e.name,
    kind: 'imported',
    architecture: e.architecture,
    scales: [e.scale],
    sizeBytes: e.onnxBytes,
    ...(e.measured ? { speed: { mpsOut: e.measured.mpsOut, where: 'this machine' as const } } : {}),
    ...(e.license ? { license: e.license } : {}),
    summary: `${e.architecture} x${e.scale}${shape ? ` (${shape})` : ''}, from ${e.sourceFile}`,
    imported: e,
  };
}

/** Built-in then imported models, as one list. */
export async function listModels(library = new ModelLibrary()): Promise<ModelListing[]> {
  return [...builtinListings(), ...(await library.list()).map(importedListing)];
}
