/**
 * Reads an ncnn `.param` text file (Tencent/ncnn docs/developer-guide/param-and-model-file-structure.md,
 * src/paramdict.cpp): magic 7767517, `layers blobs`, then one layer a line. Stricter than ncnn itself, which
 * scans with fscanf and shrugs at much: every problem is refused with the line it is on.
 */
import { ModelImportError } from '../state-dict.js';

export const NCNN_MAGIC = 7767517;
/** ncnn's NCNN_MAX_PARAM_COUNT: keys 0..31. */
const MAX_PARAM_ID = 32;

/** A value as the text wrote it: ncnn keeps int and float apart (a value with `.` or `e` is a float). */
export type NcnnValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'array'; values: number[]; float: boolean }
  | { kind: 'string'; value: string };

export interface NcnnLayer {
  type: string;
  name: string;
  inputs: string[];
  outputs: string[];
  params: Map<number, NcnnValue>;
  /** 1-based line in the .param, for messages. */
  line: number;
}

export interface NcnnParam {
  layers: NcnnLayer[];
  blobCount: number;
}

const corrupt = (line: number, what: string) => new ModelImportError('ERROR_MODEL_CORRUPT', `ncnn .param line ${line}: ${what}`);

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseScalar(text: string, line: number, key: string): { kind: 'int' | 'float'; value: number } {
  // ncnn's rule: '.' or 'e' anywhere makes it a float.
  if (/[.eE]/.test(text)) {
    if (!FLOAT.test(text)) throw corrupt(line, `value ${key}=${text} is not a number`);
    return { kind: 'float', value: Math.fround(Number(text)) };
  }
  if (!INT.test(text)) throw corrupt(line, `value ${key}=${text} is not a number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value > 0x7fffffff || value < -0x80000000) throw corrupt(line, `value ${key}=${text} is out of range`);
  return { kind: 'int', value };
}

function parseValue(oldStyleArray: boolean, text: string, line: number, key: string): NcnnValue {
  if (oldStyleArray) {
    // -23300-id=count,v1,v2,…
    const [count, ...items] = text.split(',');
    if (!INT.test(count) || Number(count) < 0) throw corrupt(line, `array ${key} has no valid length (${text.slice(0, 30)})`);
    if (items.length !== Number(count)) throw corrupt(line, `array ${key} declares ${count} values but has ${items.length}`);
    const parsed = items.map((t) => parseScalar(t, line, key));
    return { kind: 'array', values: parsed.map((p) => p.value), float: parsed.some((p) => p.kind === 'float') };
  }
  if (/^[A-Za-z"]/.test(text)) return { kind: 'string', value: text.replace(/^"|"$/g, '') };
  if (text.includes(',')) {
    // modern ncnn: 3=0.1,0.2 is an array without a length
    const parsed = text.split(',').map((t) => parseScalar(t, line, key));
    return { kind: 'array', values: parsed.map((p) => p.value), float: parsed.some((p) => p.kind === 'float') };
  }
  return parseScalar(text, line, key);
}

export function parseNcnnParam(text: string): NcnnParam {
  if (text.includes('\0')) {
    throw new ModelImportError('ERROR_NOT_A_MODEL', 'not an ncnn .param file: it is binary, not text (binary .param.bin files are not supported)');
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const firstLine = lines.findIndex((l) => l.trim() !== '');
  if (firstLine < 0 || lines[firstLine].trim() !== String(NCNN_MAGIC)) {
    throw new ModelImportError('ERROR_NOT_A_MODEL', `not an ncnn .param file (its first line is not the magic number ${NCNN_MAGIC})`);
  }
  const countsLine = lines.findIndex((l, i) => i > firstLine && l.trim() !== '');
  const counts = countsLine < 0 ? [] : lines[countsLine].trim().split(/\s+/);
  if (counts.length !== 2 || !counts.every((c) => INT.test(c) && Number(c) >= 0)) {
    throw corrupt(countsLine < 0 ? firstLine + 2 : countsLine + 1, 'expected "layer_count blob_count"');
  }
  const [layerCount, blobCount] = counts.map(Number);

  const layers: NcnnLayer[] = [];
  const layerNames = new Set<string>();
  const blobs = new Set<string>();
  // An error on an unterminated last line is most likely a cut-off file; say so.
  const lastLine = lines.findLastIndex((l) => l.trim() !== '');
  const cutOff = !/\n\s*$/.test(text);
  for (let i = countsLine + 1; i < lines.length; i++) {
    try {
      const lineNo = i + 1;
      const tokens = lines[i].trim().split(/\s+/).filter(Boolean);
      if (tokens.length === 0) continue;
      if (layers.length === layerCount) throw corrupt(lineNo, `more layer lines than the ${layerCount} declared on line ${countsLine + 1}`);
      if (tokens.length < 4) throw corrupt(lineNo, 'a layer line needs "Type name n_inputs n_outputs …"');
      const [type, name, nInText, nOutText] = tokens;
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(type)) throw corrupt(lineNo, `"${type}" is not a layer type`);
      if (!INT.test(nInText) || !INT.test(nOutText) || Number(nInText) < 0 || Number(nOutText) < 0) {
        throw corrupt(lineNo, `layer ${name}: input/output counts "${nInText} ${nOutText}" are not numbers`);
      }
      const nIn = Number(nInText);
      const nOut = Number(nOutText);
      if (tokens.length < 4 + nIn + nOut) throw corrupt(lineNo, `layer ${name} declares ${nIn} inputs and ${nOut} outputs but names fewer`);
      const inputs = tokens.slice(4, 4 + nIn);
      const outputs = tokens.slice(4 + nIn, 4 + nIn + nOut);
      if (layerNames.has(name)) throw corrupt(lineNo, `layer name ${name} is used twice`);
      layerNames.add(name);
      for (const b of inputs) if (!blobs.has(b)) throw corrupt(lineNo, `layer ${name} reads blob ${b} before any layer produces it`);
      for (const b of outputs) {
        if (b.includes('=')) throw corrupt(lineNo, `layer ${name} declares ${nOut} outputs but names fewer`);
        if (blobs.has(b)) throw corrupt(lineNo, `blob ${b} is produced twice`);
        blobs.add(b);
      }
      const params = new Map<number, NcnnValue>();
      for (const pair of tokens.slice(4 + nIn + nOut)) {
        const m = /^(-?\d+)=(.+)$/.exec(pair);
        if (!m) throw corrupt(lineNo, `layer ${name}: "${pair.slice(0, 40)}" is not a key=value pair`);
        let id = Number(m[1]);
        const oldStyleArray = id <= -23300;
        if (oldStyleArray) id = -id - 23300;
        if (id < 0 || id >= MAX_PARAM_ID) throw corrupt(lineNo, `layer ${name}: parameter key ${m[1]} is out of range`);
        if (params.has(id)) throw corrupt(lineNo, `layer ${name}: parameter ${id} is given twice`);
        params.set(id, parseValue(oldStyleArray, m[2], lineNo, m[1]));
      }
      layers.push({ type, name, inputs, outputs, params, line: lineNo });
    } catch (err) {
      if (err instanceof ModelImportError && cutOff && i === lastLine) throw new ModelImportError(err.code, `${err.message} (the file ends in the middle of this line: truncated?)`);
      throw err;
    }
  }
  if (layers.length !== layerCount) {
    throw corrupt(lines.length, `the file ends after ${layers.length} layers but line ${countsLine + 1} declares ${layerCount} (truncated?)`);
  }
  // ncnn sizes its blob table by this count: more is harmless, fewer would overrun it
  if (blobs.size > blobCount) throw corrupt(countsLine + 1, `declares ${blobCount} blobs but the layers produce ${blobs.size}`);
  return { layers, blobCount };
}

/** ncnn's ParamDict::get for ints. A float where an int belongs is refused rather than bit-cast as ncnn would. */
export function intParam(layer: NcnnLayer, id: number, def: number): number {
  const v = layer.params.get(id);
  if (v === undefined) return def;
  if (v.kind === 'int') return v.value;
  throw corrupt(layer.line, `layer ${layer.name}: parameter ${id} must be an integer`);
}

/** ncnn's ParamDict::get for floats; an integer literal is taken at its value. */
export function floatParam(layer: NcnnLayer, id: number, def: number): number {
  const v = layer.params.get(id);
  if (v === undefined) return def;
  if (v.kind === 'int' || v.kind === 'float') return v.value;
  throw corrupt(layer.line, `layer ${layer.name}: parameter ${id} must be a number`);
}

export function arrayParam(layer: NcnnLayer, id: number): number[] | undefined {
  const v = layer.params.get(id);
  if (v === undefined) return undefined;
  if (v.kind === 'array') return v.values;
  if (v.kind === 'int' || v.kind === 'float') return [v.value];
  throw corrupt(layer.line, `layer ${layer.name}: parameter ${id} must be a list of numbers`);
}

export function hasParam(layer: NcnnLayer, id: number): boolean {
  return layer.params.has(id);
}

/** "layer Conv_2 (Convolution, line 7)" — how messages name a layer. */
export const describeLayer = (l: NcnnLayer): string => `layer ${l.name} (${l.type}, line ${l.line})`;
