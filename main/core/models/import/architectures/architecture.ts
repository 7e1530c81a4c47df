/** What one supported architecture provides (spandrel's shape): a key signature, and a loader that reads
 * every hyper-parameter from key names and shapes and builds the ONNX graph. */
import type { OnnxGraph } from '../../graph/onnx-graph.js';
import type { ModelDescriptor, StateDict } from '../state-dict.js';
import type { Weights } from './weights.js';

export type LoadedDescriptor = Omit<ModelDescriptor, 'sourceFormat' | 'params'>;

export interface LoadedArchitecture {
  descriptor: LoadedDescriptor;
  /** Adds the net to `g`, reading from the graph input `input` (0–255) and writing `output` (0–255). */
  build(g: OnnxGraph): void;
}

export interface Architecture {
  name: string;
  /** True when the state dict carries this architecture's key signature. */
  detect(sd: StateDict): boolean;
  /** Reads hyper-parameters and checks every tensor's shape; throws ModelImportError. */
  load(w: Weights): LoadedArchitecture;
}

export const hasAll = (sd: StateDict, ...keys: string[]): boolean => keys.every((k) => sd.has(k));

/** spandrel's guess for a pixel-shuffle conv with `x` outputs: x = scale² · out, out most likely = in. */
export function scaleAndChannels(x: number, inChannels: number): { scale: number; outChannels: number } | undefined {
  for (const c of [inChannels, 3, 4, 1]) {
    const s = Math.round(Math.sqrt(x / c));
    if (x % c === 0 && s * s * c === x) return { scale: s, outChannels: c };
  }
  return undefined;
}
