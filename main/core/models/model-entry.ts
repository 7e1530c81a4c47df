import type { Precision } from './catalog.js';

/** One precision build of a model: its graphs' bytes on disk, and its speed where one was measured. */
export interface ModelBuild {
  /** The ONNX graph per scale. */
  graphs: Record<number, string>;
  /** Bytes of the graphs (one per scale); null when a built-in's graphs are not built. */
  bytes: number | null;
  /** Output megapixels per second at `speed.scale`, on the machine `speed.where` names. */
  speed?: ModelSpeed;
  /** What the build trades, in a sentence (int8: speed-up and fidelity cost against fp32). */
  summary?: string;
  /** An imported model's int8 build: what was measured when it was made, and its graph's sha256. */
  quality?: Int8Quality;
  sha256?: string;
}

/** A mean over photos and the worst photo. */
export interface Int8Stat {
  mean: number;
  worst: number;
}

/**
 * How an int8 build compared with fp32 when it was made, on the calibration photos (pure data: `models
 * --json` prints it, the app shows it). Speeds were measured back to back in one process, same tiles and
 * threads. `cost` is what an analyst loses: the photos brought down ×scale and upscaled by each build,
 * int8's score against the original minus fp32's (negative: int8 is worse); the bound applies to its mean PSNR.
 */
export interface Int8Quality {
  photos: number;
  /** 'bundled' (assets/calibration) or the folder given with --calibrate. */
  calibration: string;
  weightBits: 7 | 8;
  speed: { fp32MpsOut: number; int8MpsOut: number; speedup: number; threads: number; scale: number };
  /** int8's output against fp32's on the photos themselves (higher: closer). */
  vsFp32: { psnr: Int8Stat; ssimulacra2: Int8Stat | null };
  cost: { psnr: Int8Stat; ssimulacra2: Int8Stat | null; boundDb: number; withinBound: boolean };
  at: string;
}

export interface ModelSpeed {
  mpsOut: number;
  /** The scale it was measured at: tiles cost the same per input pixel, so other scales follow from it. */
  scale: number;
  where: 'this machine' | 'reference machine';
}

/**
 * A model the local-ai provider can run, whether it shipped with the app or was imported: `models` lists
 * these, the app shows them, and the provider runs one through `resolveModel` without asking which it is.
 */
export interface ModelEntry {
  name: string;
  /** Built-ins are read-only (they cannot be removed or replaced); imports live in the user's library. */
  kind: 'built-in' | 'imported';
  architecture: string;
  /** The scales it has graphs for: built-ins one per scale, an import its own. */
  scales: number[];
  builds: { fp32: ModelBuild } & Partial<Record<Exclude<Precision, 'fp32'>, ModelBuild>>;
  summary: string;
  license?: string;
  /** Where the weights came from: an npm package, or the file the user gave. */
  source: string;
  /** The results' `model` column: "<label> x<scale>[ int8]". */
  label: string;
  /** Input pixels of context around each tile that keep tiles seamless (`--tile-overlap` overrides). */
  tileOverlap: number;
  /** Tile windows start on multiples of this. */
  sizeMultiple: number;
  /** Channels the net convolves at the output resolution, where it has them (bounds the tile size). */
  hrFeatures?: number;
  /** Peak activation bytes per input pixel of an attention net (DAT, HAT; bounds the tile size). */
  attentionBytesPerPixel?: number;
  /** sha256 of the file the user gave: a run records it, and a resume refuses another file. */
  sha256?: string;
  /** What the importer found; imported entries only. */
  facts?: ImportFacts;
}

export const precisionsOf = (e: ModelEntry): Precision[] => (Object.keys(e.builds) as Precision[]).filter((p) => e.builds[p]);

/** The part of an imported model's record `models --json` and the app show. Pure types: the renderer reads these. */
export interface ImportFacts {
  sourceFile: string;
  sourceFormat: string;
  details: Record<string, number | string>;
  params: number;
  importedAt: string;
}
