import type { ReactNode } from 'react';
import type { At } from '../../../main/core/results/target';
import { type MetricDef, type MetricKey, stepDigits } from '../metrics';

/** Which quality metric the plots, deltas and tables judge by; only the metrics the run has are offered. */
export function MetricChooser({ metrics, value, onChange }: { metrics: readonly MetricDef[]; value: MetricKey; onChange: (key: MetricKey) => void }) {
  return (
    <label className="metric-chooser">
      Judge by{' '}
      <select aria-label="Quality metric" value={value} onChange={(e) => onChange(e.target.value as MetricKey)}>
        {metrics.map((m) => (
          <option key={m.key} value={m.key}>
            {m.label}
            {m.higherIsBetter ? '' : ' (lower is better)'}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A target on the chosen metric's `at` statistic (the mean unless chosen): a slider over its range with the metric's named levels marked under it. */
/** `statistic`: the chooser of the statistic, shown in the label where `at` would be ("Target [p10] SSIMULACRA2 ≥ 50"). */
export function TargetSlider({ metric: m, at = 'mean', statistic, value, min, max, onChange }: { metric: MetricDef; at?: At; statistic?: ReactNode; value: number; min: number; max: number; onChange: (v: number) => void }) {
  const levels = m.levels.filter((l) => l.value >= min && l.value <= max);
  const along = (v: number) => (v - min) / (max - min);
  return (
    <div className="target">
      <span>
        Target {statistic ?? at} {m.label} {m.higherIsBetter ? '≥' : '≤'} <strong data-testid="target-value">{value.toFixed(stepDigits(m))}</strong>
      </span>
      <div className="target-track">
        <input type="range" min={min} max={max} step={m.step} value={value} list={levels.length ? `levels-${m.key}` : undefined} onChange={(e) => onChange(Number(e.target.value))} aria-label={`Target ${m.label}`} />
        {levels.length ? (
          <>
            <datalist id={`levels-${m.key}`}>
              {levels.map((l) => (
                <option key={l.value} value={l.value} label={l.label} />
              ))}
            </datalist>
            {/* under the track, each at its value (the thumb's centre travels 8 px in from either end) */}
            <div className="target-levels" data-testid="target-levels" aria-label={`${m.label} levels`}>
              {levels.map((l, i) => (
                <button
                  key={l.value}
                  type="button"
                  // a label too near the one before it (a wide range squeezes them) drops to a second line
                  className={i % 2 && along(l.value) - along(levels[i - 1].value) < 0.2 ? 'level lower' : 'level'}
                  style={{ left: `calc(8px + (100% - 16px) * ${along(l.value)})` }}
                  onClick={() => onChange(l.value)}
                  aria-label={`Set the target to ${l.value} (${l.label})`}
                  aria-pressed={value === l.value}
                >
                  {l.value} {l.label}
                </button>
              ))}
            </div>
          </>
        ) : null}
      </div>
    </div>
  );
}
