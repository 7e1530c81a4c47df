import { statSync } from 'node:fs';
import { LOCAL_MODELS, type LocalModelName, type Precision } from './catalog.js';
import { type LibraryEntry, ModelLibrary } from './library.js';
import type { ModelBuild, ModelEntry } from './model-entry.js';
import { builtinGraphPath } from './model-files.js';
import { defaultTileOverlap } from '../inference/tile-overlap.js';
import { attentionBytesPerPixel } from './attention-memory.js';

const BUILTIN_ARCH: Record<LocalModelName, string> = { thick: 'RRDN (ESRGAN)', medium: 'RDN (ESRGAN)', slim: 'RDN (ESRGAN)' };
/** The built-ins' overlap: 10 px keeps their tiles within a grey level of a whole-image run (README, Tiling). */
export const BUILTIN_TILE_OVERLAP = 10;

const isBuiltIn = (name: string): name is LocalModelName => Object.hasOwn(LOCAL_MODELS, name);

function builtinEntry(name: LocalModelName): ModelEntry {
  const m = LOCAL_MODELS[name];
  const build = (precision: Precision, mpsX4: number, summary?: string): ModelBuild => {
    const sizes = m.scales.map((s) => statSync(builtinGraphPath(name, s, precision), { throwIfNoEntry: false })?.size);
    return {
      graphs: Object.fromEntries(m.scales.map((s) => [s, builtinGraphPath(name, s, precision)])),
      bytes: sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a! + b!, 0)! : null,
      speed: { mpsOut: mpsX4, scale: 4, where: 'reference machine' },
      ...(summary ? { summary } : {}),
    };
  };
  return {
    name,
    kind: 'built-in',
    architecture: BUILTIN_ARCH[name],
    scales: [...m.scales],
    builds: { fp32: build('fp32', m.mpsX4), ...('int8' in m ? { int8: build('int8', m.int8.mpsX4, m.int8.summary) } : {}) },
    summary: m.summary,
    license: 'MIT',
    source: m.package,
    label: `esrgan-${name}`,
    tileOverlap: BUILTIN_TILE_OVERLAP,
    sizeMultiple: 1,
  };
}

export function builtinEntries(): ModelEntry[] {
  return (Object.keys(LOCAL_MODELS) as LocalModelName[]).map(builtinEntry);
}

export function importedEntry(e: LibraryEntry, library = new ModelLibrary()): ModelEntry {
  const shape = Object.entries(e.details ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const speed = (mpsOut: number | undefined) => (mpsOut ? { speed: { mpsOut, scale: e.scale, where: 'this machine' as const } } : {});
  return {
    name: e.name,
    kind: 'imported',
    architecture: e.architecture,
    scales: [e.scale],
    builds: {
      fp32: { graphs: { [e.scale]: library.onnxPath(e) }, bytes: e.onnxBytes, ...speed(e.measured?.mpsOut) },
      ...(e.int8
        ? { int8: { graphs: { [e.scale]: library.onnxPath(e, 'int8') }, bytes: e.int8.onnxBytes, ...speed(e.int8.measured?.mpsOut), summary: e.int8.summary, quality: e.int8.quality, sha256: e.int8.sha256 } }
        : {}),
    },
    summary: `${e.architecture} x${e.scale}${shape ? ` (${shape})` : ''}, from ${e.sourceFile}`,
    ...(e.license ? { license: e.license } : {}),
    source: e.sourceFile,
    label: e.name,
    tileOverlap: e.tileOverlap ?? defaultTileOverlap(e),
    sizeMultiple: e.sizeMultiple ?? 1,
    ...(/^ESRGAN|RRDB/i.test(e.architecture) ? { hrFeatures: typeof e.details?.features === 'number' ? e.details.features : 64 } : {}),
    ...(attentionBytesPerPixel(e) ? { attentionBytesPerPixel: attentionBytesPerPixel(e) } : {}),
    sha256: e.sha256,
    facts: e,
  };
}

/** Built-in then imported models, as one list. */
export async function listModels(library = new ModelLibrary()): Promise<ModelEntry[]> {
  return [...builtinEntries(), ...(await library.list()).map((e) => importedEntry(e, library))];
}

/** A model by name: a built-in, else the library's (exact, then ignoring case); null when neither has it. */
export async function findModel(name: string, library = new ModelLibrary()): Promise<ModelEntry | null> {
  if (isBuiltIn(name)) return builtinEntry(name);
  const e = await library.find(name);
  return e ? importedEntry(e, library) : null;
}
