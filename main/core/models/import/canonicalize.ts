/**
 * The ways a state dict is wrapped before any architecture looks at it, once (spandrel's canonicalize):
 * training checkpoints nest the weights under `params_ema`, `params`, `state_dict`, `model_state_dict`,
 * `model` or `net` (flattened by the readers to dotted prefixes), and DataParallel/GAN code prefixes every key
 * with `module.` or `netG.`. Returns the views to try, most specific first; the original comes last, since
 * an old-layout ESRGAN's own keys start with `model.`.
 */
import type { StateDict } from './state-dict.js';

const WRAPPERS = ['params_ema', 'params-ema', 'params', 'state_dict', 'model_state_dict', 'model', 'net'];

const stripPrefix = (sd: StateDict, prefix: string): StateDict | undefined => {
  const out: StateDict = new Map();
  for (const [k, v] of sd) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out.size ? out : undefined;
};

/** The first dotted segment when every key shares it (`module.`, `netG.`, `generator.`). */
const commonPrefix = (sd: StateDict): string | undefined => {
  let first: string | undefined;
  for (const k of sd.keys()) {
    const dot = k.indexOf('.');
    if (dot < 0) return undefined;
    const seg = k.slice(0, dot + 1);
    if (first === undefined) first = seg;
    else if (seg !== first) return undefined;
  }
  return first;
};

export function canonicalCandidates(sd: StateDict): StateDict[] {
  const out: StateDict[] = [];
  const visit = (d: StateDict, depth: number) => {
    if (depth < 3) {
      // A wrapper key takes the weights under it and drops its siblings (e.g. `params` beside `params_ema`, optimizer state).
      for (const w of WRAPPERS) {
        const inner = stripPrefix(d, `${w}.`);
        if (inner) visit(inner, depth + 1);
      }
      const prefix = commonPrefix(d);
      if (prefix && !WRAPPERS.includes(prefix.slice(0, -1))) visit(stripPrefix(d, prefix)!, depth + 1);
    }
    out.push(d);
  };
  visit(sd, 0);
  return out;
}
