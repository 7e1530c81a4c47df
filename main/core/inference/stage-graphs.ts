/**
 * The body and head graphs of a model file, split once (models/graph/split-stages.ts) and kept in a
 * `stages/` folder beside it, so a run opens them without parsing the model again. An entry imported before
 * this existed is split the first time a run uses it; a model that does not split is remembered as such.
 * When the model's folder cannot be written (a read-only library), the graphs go to the temp folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type StageFacts, splitStages } from '../models/graph/split-stages.js';
import { twoStageTiles } from './two-stage.js';

/** Bumped when the split's rules change, so graphs split by older rules are split again. */
const SPLIT_VERSION = 1;
const FACTS_FILE = 'stages.json';

export interface StagedModel {
  graphs: { body: string; head: string };
  facts: StageFacts;
}

interface Recorded {
  version: number;
  /** The model file the graphs were split from: a replaced file is split again. */
  source: { bytes: number; mtimeMs: number };
  facts?: StageFacts;
  /** Why the model runs in one stage. */
  reason?: string;
}

/** The model's two stages, or why it has none (then it runs whole, as before). */
export async function stagedModel(onnxPath: string): Promise<StagedModel | { reason: string }> {
  const st = await stat(onnxPath);
  const source = { bytes: st.size, mtimeMs: Math.round(st.mtimeMs) };
  // model.onnx's stages in stages/; another graph in the folder (an int8 build) would get its own
  const base = basename(onnxPath, '.onnx');
  const dirs = [join(dirname(onnxPath), base === 'model' ? 'stages' : `stages-${base}`), join(tmpdir(), 'upscale-bench-stages', createHash('sha256').update(`${onnxPath}:${source.bytes}:${source.mtimeMs}`).digest('hex').slice(0, 16))];
  for (const dir of dirs) {
    const known = await recorded(dir, source);
    if (known) return known;
  }
  const split = splitStages(new Uint8Array(await readFile(onnxPath)));
  const record: Recorded = { version: SPLIT_VERSION, source, ...('reason' in split ? { reason: split.reason } : { facts: split.facts }) };
  for (const dir of dirs) {
    try {
      await mkdir(dir, { recursive: true });
      if (!('reason' in split)) {
        await writeAtomic(join(dir, 'body.onnx'), split.body);
        await writeAtomic(join(dir, 'head.onnx'), split.head);
      }
      // last: the record vouches for the graphs beside it
      await writeAtomic(join(dir, FACTS_FILE), JSON.stringify(record, null, 2) + '\n');
      return 'reason' in split ? { reason: split.reason } : { graphs: graphsIn(dir), facts: split.facts };
    } catch {
      // not writable: try the next place
    }
  }
  return { reason: 'the split graphs could not be written anywhere' };
}

async function recorded(dir: string, source: Recorded['source']): Promise<StagedModel | { reason: string } | undefined> {
  try {
    const r = JSON.parse(await readFile(join(dir, FACTS_FILE), 'utf8')) as Recorded;
    if (r.version !== SPLIT_VERSION || r.source?.bytes !== source.bytes || r.source?.mtimeMs !== source.mtimeMs) return undefined;
    if (r.reason !== undefined) return { reason: r.reason };
    const graphs = graphsIn(dir);
    await Promise.all([stat(graphs.body), stat(graphs.head)]);
    return r.facts ? { graphs, facts: r.facts } : undefined;
  } catch {
    return undefined;
  }
}

const graphsIn = (dir: string) => ({ body: join(dir, 'body.onnx'), head: join(dir, 'head.onnx') });

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** How a model runs in two stages: its graphs and facts, and the head's sub-tile size. */
export interface TwoStageRun extends StagedModel {
  headTileSize: number;
}

/**
 * The two-stage run of a model file, with the body's tile size for `overlap` (input px) within the memory
 * budget; undefined when the model does not split, or its head is too cheap to be worth a second pass.
 */
export async function twoStageRun(onnxPath: string, overlap: number): Promise<(TwoStageRun & { tileSize: number }) | undefined> {
  const staged = await stagedModel(onnxPath).catch(() => undefined);
  if (!staged || 'reason' in staged || !staged.facts.headConvolves) return undefined;
  return { ...staged, ...twoStageTiles(staged.facts, overlap) };
}
