/**
 * Typed access to a state dict for an architecture's loader: every read states the shape the graph needs,
 * a wrong or missing tensor is a one-line ERROR_MODEL_SHAPE_MISMATCH naming it, and keys the loader never
 * read are reported too, so a variant we do not know is refused rather than run half-loaded.
 */
import { ModelImportError, numel, type StateDict, type Tensor } from '../state-dict.js';

const fmt = (shape: readonly (number | undefined)[]) => `[${shape.map((d) => d ?? '?').join(', ')}]`;

export class Weights {
  private readonly used = new Set<string>();
  /** Read or accounted for, but not learned: left out of params(). */
  private readonly derived = new Set<string>();

  constructor(readonly sd: StateDict) {}

  has(key: string): boolean {
    return this.sd.has(key);
  }

  /** The tensor at `key`; `shape` entries that are undefined are free. */
  get(key: string, shape?: readonly (number | undefined)[]): Tensor {
    const t = this.sd.get(key);
    if (!t) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the graph: tensor ${key} is missing`);
    if (shape && (t.shape.length !== shape.length || shape.some((d, i) => d !== undefined && d !== t.shape[i]))) {
      throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the graph: tensor ${key} has shape ${fmt(t.shape)}, the graph needs ${fmt(shape)}`);
    }
    this.used.add(key);
    return t;
  }

  /** Marks keys the graph does not need (derived or training-only tensors) as accounted for. */
  ignore(key: string): void {
    if (!this.sd.has(key)) return;
    this.used.add(key);
    this.derived.add(key);
  }

  /** A derived tensor the loader checks (an index buffer): read, accounted for, not a parameter. */
  getDerived(key: string): Tensor | undefined {
    const t = this.sd.get(key);
    if (t) this.ignore(key);
    return t;
  }

  /** Largest number captured by the first group of `pattern` over all keys, or -1. */
  maxIndex(pattern: RegExp): number {
    let max = -1;
    for (const k of this.sd.keys()) {
      const m = pattern.exec(k);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max;
  }

  /** Throws if a tensor was never read: the file is a variant the loader does not understand. */
  checkAllUsed(architecture: string): void {
    const extra = [...this.sd.keys()].filter((k) => !this.used.has(k));
    if (extra.length) {
      throw new ModelImportError(
        'ERROR_MODEL_SHAPE_MISMATCH',
        `weights do not match the ${architecture} graph: ${extra.length} unexpected tensor${extra.length > 1 ? 's' : ''} (${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''})`,
      );
    }
  }

  /** Parameters read so far (derived and training-only tensors left out). */
  params(): number {
    let n = 0;
    for (const k of this.used) if (!this.derived.has(k)) n += numel(this.sd.get(k)!.shape);
    return n;
  }
}
