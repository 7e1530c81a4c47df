import { plural } from '../core/plural.js';
import { planRun } from '../core/pipeline/plan.js';
import { pinImportedModels } from '../core/models/library.js';
import type { RunSettings } from '../core/pipeline/settings.js';
import { storedSettings } from '../core/pipeline/stored-settings.js';

/**
 * What `run` or `sweep` is about to do and how long it should take, printed before it starts (the app's setup
 * screen shows the same estimate): "run: 3 images (local-ai); estimated 40 s–2 min (…)".
 */
export async function printPlan(command: 'run' | 'sweep', settings: RunSettings, out: NodeJS.WritableStream = process.stderr): Promise<void> {
  // an unknown model is refused before anything is estimated for it
  await pinImportedModels(settings);
  const plan = await planRun(settings);
  const providers = [...new Set(storedSettings(settings).flatMap((s) => s.providers.map((p) => p.name)))].join(', ');
  const what =
    command === 'sweep'
      ? `${plural(plan.images, 'image')} × ${plural(plan.settings, 'setting')} (${providers}) = ${plural(plan.rows, 'row')}`
      : `${plural(plan.images, 'image')} (${providers})`;
  const reasons = plan.estimate.reasons.length ? ` (${plan.estimate.reasons.join('; ')})` : '';
  out.write(`${command}: ${what}; estimated ${span(plan.estimate.low, plan.estimate.high)}${reasons}\n`);
}

/** "40 s–2 min", "3–5 min", "1.2–2.5 h". */
export function span(low: number, high: number): string {
  const unit = high < 90 ? ['s', 1] : high < 5400 ? ['min', 60] : ['h', 3600];
  const [name, div] = unit as [string, number];
  const f = (x: number) => (div === 3600 ? (x / div).toFixed(1) : String(Math.max(div === 1 ? 1 : 0, Math.round(x / div))));
  return f(low) === f(high) ? `about ${f(high)} ${name}` : `${f(low)}–${f(high)} ${name}`;
}
