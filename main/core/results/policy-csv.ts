import { stringify } from 'csv-stringify/sync';
import { escapeFormula } from './csv-format.js';
import type { AdaptivePolicy } from './policy.js';

export const POLICY_CSV = 'policy.csv';

/** policy.csv: one line per image, the setting a storage pipeline should store it with, as it can apply it. */
export function policyCsv(policy: AdaptivePolicy): string {
  const metric = policy.target.metric;
  const header = ['image_path', 'factor', 'format', 'quality', 'provider', 'model', 'stored_bytes', metric, 'reaches_target'];
  const lines = policy.choices.map((c) => [
    escapeFormula(c.image_path),
    String(c.factor),
    c.format,
    c.quality === null ? '' : String(c.quality),
    c.provider,
    escapeFormula(c.model),
    String(c.stored_bytes),
    c.score === Infinity ? 'inf' : String(c.score),
    c.reaches_target ? 'yes' : 'no',
  ]);
  return stringify([header, ...lines], { record_delimiter: '\n' });
}
