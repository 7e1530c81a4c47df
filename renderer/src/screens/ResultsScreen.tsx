import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunDetails, UiRow } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';
import { MeansChart, QualitySavingsScatter, ScoreHistogram } from '../components/Charts';
import { ComparisonList } from '../components/ComparisonList';
import { MeanWithInterval } from '../components/MeanWithInterval';
import { ResultsTable } from '../components/ResultsTable';
import { Viewer } from '../components/Viewer';
import { WorstImageLink } from '../components/WorstImageLink';
import { compareToBaseline, defaultBaseline, type MetricDelta } from '../compare';
import { MetricChooser } from '../components/MetricChooser';
import { type Comparison, pairedComparisons } from '../../../main/core/results/comparisons';
import { describeSetting } from '../../../main/core/results/pareto';
import { worstRows } from '../../../main/core/results/worst-case';
import { accessOf, bootstrapOptions, meanIntervalsBy } from '../confidence';
import { type MetricDef, type MetricKey, availableMetrics, defaultMetric, metricDef, scoreOf } from '../metrics';
import { type EndpointUse, computeCosts, isBilledPerInstanceHour } from '../compute-cost';
import { storagePriceOk, useCostSettings, volumeOk } from '../cost-settings';
import { GB, bytes, fmt } from '../format';
import { runLabel } from '../run-label';
import { groupsOf, rowsOfGroup } from '../groups';
import { GroupPicker } from '../components/GroupPicker';

const mean = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

export function ResultsScreen({ details, onError }: { details: RunDetails | null; onError: (m: string) => void }) {
  const [viewing, setViewing] = useState<UiRow | null>(null);
  const { price, setPrice, volume, setVolume, instancePrice, setInstancePrice, savePrefs } = useCostSettings();
  const [exported, setExported] = useState<string | null>(null);
  const [baseline, setBaseline] = useState<string | null>(null);
  const [picked, setPicked] = useState<MetricKey | null>(null);
  const filtered = useRef<UiRow[]>([]);

  const allRows = details?.rows ?? [];
  // one group's images (the picker shows when rows carry groups): every card, chart and table below is on them
  const groups = useMemo(() => groupsOf(allRows), [allRows]);
  const [pickedGroup, setGroup] = useState<string | null>(null);
  const group = pickedGroup !== null && groups.some((g) => g.group === pickedGroup) ? pickedGroup : null;
  // another run opens on all its images
  useEffect(() => setGroup(null), [details?.runId]);
  const rows = useMemo(() => rowsOfGroup(allRows, group), [allRows, group]);
  const allImages = useMemo(() => new Set(allRows.map((r) => r.image_path)).size, [allRows]);
  // only the metrics this run has scores on; the choice judges the plots and the baseline's wins
  const available = useMemo(() => availableMetrics(rows), [rows]);
  const metric = picked && available.some((m) => m.key === picked) ? picked : defaultMetric(available);
  const chosen = metricDef(metric);
  // summary.json's seed and resamples, so the intervals here are the file's
  const opts = useMemo(() => bootstrapOptions(details?.summary), [details?.summary]);
  // every metric's interval per provider: a run's few providers, bootstrapped once per run
  const intervals = useMemo(() => Object.fromEntries(available.map((m) => [m.key, meanIntervalsBy(rows, (r) => r.provider, m, opts)])), [rows, available, opts]);
  // each provider's worst image on the chosen metric (the worst of its settings, when its images were stored in several)
  const worst = useMemo(() => {
    const out = new Map<string, UiRow>();
    for (const r of worstRows(rows, accessOf(chosen)).values()) {
      const w = out.get(r.provider);
      if (!w || (chosen.higherIsBetter ? scoreOf(r, chosen)! < scoreOf(w, chosen)! : scoreOf(r, chosen)! > scoreOf(w, chosen)!)) out.set(r.provider, r);
    }
    return out;
  }, [rows, chosen]);
  const paired = useMemo(() => pairedFor(rows, chosen, opts, details?.summary ?? null), [rows, chosen, opts, details?.summary]);
  const perProvider = useMemo(
    () =>
      [...new Set(rows.map((r) => r.provider))].map((p) => {
        const rs = rows.filter((r) => r.provider === p);
        const ok = rs.filter((r) => r.status === 'ok');
        const means = Object.fromEntries(available.map((m) => [m.key, mean(ok.map((r) => scoreOf(r, m)))]));
        return { p, n: rs.length, ok: ok.length, means, ms: mean(ok.map((r) => r.upscale_ms)) };
      }),
    [rows, available],
  );
  // Each image is stored once, whichever providers read it back.
  const storage = useMemo(() => {
    const seen = new Map<string, UiRow>();
    for (const r of rows) if (r.original_bytes !== null && r.stored_bytes !== null) seen.set(r.image_path, r);
    const list = [...seen.values()];
    const original = list.reduce((a, r) => a + (r.original_bytes ?? 0), 0);
    const stored = list.reduce((a, r) => a + (r.stored_bytes ?? 0), 0);
    return { images: list.length, original, stored };
  }, [rows]);
  const providerNames = useMemo(() => [...new Set(rows.map((r) => r.provider))], [rows]);
  const base = baseline && providerNames.includes(baseline) ? baseline : defaultBaseline(providerNames);
  const comparison = useMemo(() => (base ? compareToBaseline(rows, base) : []), [rows, base]);
  const endpointUse = (details?.summary?.sagemaker ?? null) as EndpointUse | null;
  const costs = useMemo(() => computeCosts(rows, { dollarsPerHour: instancePrice, sagemaker: endpointUse }), [rows, instancePrice, endpointUse]);
  const label = useMemo(() => runLabel(rows), [rows]);
  if (!details) return <p className="empty">Open a run from “Past runs”, or start a new one.</p>;

  const perImageSaved = storage.images ? (storage.original - storage.stored) / storage.images : 0;
  const monthly = (perImageSaved * volume * price) / GB;
  const priceOk = storagePriceOk(price);
  const volumeValid = volumeOk(volume);
  // only what the settings accept is kept; the field says what is wrong with the rest

  return (
    <section aria-labelledby="results-title">
      <div className="row">
        <h2 id="results-title">Results — {details.runId}</h2>
        <span className="spacer" />
        {available.length > 1 ? <MetricChooser metrics={available} value={metric} onChange={setPicked} /> : null}
        <button
          onClick={async () => {
            try {
              const ids = filtered.current.map((r) => r.row);
              const r = await bench().runs.exportCsv(details.runId, ids.length === allRows.length ? undefined : ids);
              if (r) setExported(`Exported ${r.rows} rows to ${r.path}`);
            } catch (e) {
              onError(errorText(e));
            }
          }}
        >
          Export CSV…
        </button>
        <button onClick={() => bench().runs.openFolder(details.runId).catch((e) => onError(errorText(e)))}>Show folder</button>
      </div>
      <div className="row">
        <p className="run-label" data-testid="run-label">
          Stored as <strong>{label.stored || '–'}</strong> ·{' '}
          {label.models.length === 1 && label.models[0] === 'none' ? 'scored as stored, nothing upscaled' : <>upscaled with <strong>{label.models.join(', ')}</strong></>}
        </p>
        <span className="spacer" />
        <GroupPicker groups={groups} all={allImages} value={group} onChange={setGroup} />
      </div>
      {exported ? <p role="status" className="banner ok">{exported}</p> : null}
      <div className="cards">
        <div className="card" data-testid="storage-card">
          <h3>Storage</h3>
          <p>
            {storage.images} images: {bytes(storage.original)} → {bytes(storage.stored)} stored
            <br />
            <strong>{storage.original ? fmt(((storage.original - storage.stored) / storage.original) * 100, 1) : '–'}% saved</strong>
          </p>
          <label>
            $/GB-month{' '}
            <input type="number" step="0.001" min={0} value={Number.isNaN(price) ? '' : price} aria-invalid={priceOk ? undefined : true} onChange={(e) => { const v = e.target.value === '' ? Number.NaN : Number(e.target.value); setPrice(v); void savePrefs(v, volume); }} />
          </label>
          {priceOk ? null : <span className="field-error" role="alert">Enter a price from $0 to $1,000 per GB-month.</span>}
          <label>
            Images stored{' '}
            <input type="number" min={0} step={1} value={Number.isNaN(volume) ? '' : volume} aria-invalid={volumeValid ? undefined : true} onChange={(e) => { const v = e.target.value === '' ? Number.NaN : Number(e.target.value); setVolume(v); void savePrefs(price, v); }} />
          </label>
          {volumeValid ? null : <span className="field-error" role="alert">Enter a whole number of images, 0 or more.</span>}
          <p data-testid="estimate">{priceOk && volumeValid ? `≈ $${fmt(monthly, 2)} / month saved at that volume` : '–'}</p>
        </div>
        <div className="card" data-testid="compute-card">
          <h3>Compute cost of upscaling</h3>
          <table>
            <thead>
              <tr>
                <th>Provider</th>
                <th title="Mean upscale compute per image: its own busy time, not its wait for a slot other images held">s / image</th>
                <th title="Busy core-hours of the machine that ran it (busy time × its threads), or SageMaker instance-hours, for 1,000 retrievals">per 1,000 retrievals</th>
              </tr>
            </thead>
            <tbody>
              {costs.map((c) => (
                <tr key={c.provider}>
                  <td>{c.provider}</td>
                  <td>{fmt(c.secondsPerImage, c.secondsPerImage !== null && c.secondsPerImage < 10 ? 2 : 0)}</td>
                  <td>
                    {isBilledPerInstanceHour(c.provider)
                      ? `${fmt(c.instanceHoursPer1000, 2)} instance-h${c.dollarsPer1000 !== null && c.dollarsPer1000 !== undefined ? ` · $${fmt(c.dollarsPer1000, 2)}` : ''}`
                      : c.coreHoursPer1000 === null
                        ? '–'
                        : `${fmt(c.coreHoursPer1000, 2)} core-h`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {costs.some((c) => isBilledPerInstanceHour(c.provider)) ? (
            <label>
              SageMaker $/instance-hour{' '}
              <input
                type="number"
                step="0.01"
                min={0}
                value={instancePrice === null || Number.isNaN(instancePrice) ? '' : instancePrice}
                aria-invalid={instancePrice !== null && !(instancePrice >= 0 && instancePrice <= 1000) ? true : undefined}
                placeholder="your instance's price"
                onChange={(e) => {
                  const v = e.target.value === '' ? null : Number(e.target.value);
                  setInstancePrice(v);
                  if (v !== null && Number.isFinite(v) && v >= 0 && v <= 1000) void bench().settings.set({ sagemakerPricePerHour: v }).catch(() => {});
                }}
              />
            </label>
          ) : null}
          {instancePrice !== null && !(instancePrice >= 0 && instancePrice <= 1000) ? (
            <span className="field-error" role="alert">
              Enter a price from $0 to $1,000 per instance-hour.
            </span>
          ) : null}
          <p className="hint">
            Upscale time only{endpointUse ? ' (SageMaker: the time its requests kept the endpoint busy, over all instances)' : ' (one request at a time)'}. {costs.some((c) => isBilledPerInstanceHour(c.provider)) ? 'An endpoint bills every hour it exists, busy or not: this is the least 1,000 retrievals cost.' : 'Core-hours: each image\'s busy time on the machine that ran this, times the threads it used; its wait for a slot other images held is left out.'}
          </p>
        </div>
        <MeansChart metric={metric} means={perProvider.map((p) => ({ provider: p.p, mean: p.means[metric], interval: intervals[metric]?.get(p.p) ?? null }))} />
      </div>
      <div className="card wide" data-testid="per-provider">
        <h3>Per provider</h3>
        <table>
          <thead>
            <tr>
              <th>Provider</th>
              <th>OK</th>
              {available.map((m) => (
                <th key={m.key}>{headOf(m)}</th>
              ))}
              <th>ms / image</th>
              <th title={`The image ${chosen.label} scored worst, to open in the viewer`}>Worst on {chosen.label}</th>
            </tr>
          </thead>
          <tbody>
            {perProvider.map((p) => (
              <tr key={p.p}>
                <td>{p.p}</td>
                <td>
                  {p.ok}/{p.n}
                </td>
                {available.map((m) => (
                  <td key={m.key}>
                    <MeanWithInterval mean={p.means[m.key]} interval={intervals[m.key]?.get(p.p)} digits={m.digits} />
                  </td>
                ))}
                <td>{fmt(p.ms, 0)}</td>
                <td>
                  <WorstImageLink row={worst.get(p.p)} metric={chosen} onOpen={setViewing} context={p.p} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="hint">Under each mean, its 95% interval: the range the mean over many more such images would likely fall in (a bootstrap over these images; hover for the method).</p>
      </div>
      <div className="card wide" data-testid="baseline-card">
        <div className="row">
          <h3>Against a baseline</h3>
          {providerNames.length > 1 ? (
            <label>
              Baseline{' '}
              <select aria-label="Baseline provider" value={base ?? ''} onChange={(e) => setBaseline(e.target.value)}>
                {providerNames.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </div>
        {comparison.length === 0 ? (
          <p className="hint">This run has one provider. Add bicubic to a run to see what an upscaler gains over plain resampling, image by image.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Provider</th>
                <th title="Images both finished">Images paired</th>
                {available.map((m) => (
                  <th key={m.key} title={m.higherIsBetter ? undefined : 'Lower is better: a negative difference is a gain'}>
                    Δ{headOf(m)}
                  </th>
                ))}
                <th title={`Share of paired images where the provider scored better than the baseline${metricDef(metric).higherIsBetter ? '' : ' (a lower distance)'}`}>Better on {metricDef(metric).label}</th>
              </tr>
            </thead>
            <tbody>
              {comparison.map((c) => (
                <tr key={c.provider}>
                  <td>
                    {c.provider} <span className="hint">vs {c.baseline}</span>
                  </td>
                  <td>{c.paired}</td>
                  {available.map((m) => (
                    <td key={m.key} className={tone(m, c[m.key].mean)}>
                      {signed(c[m.key].mean, m.digits)}
                    </td>
                  ))}
                  <td data-testid="wins">{share(c[metric])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card wide" data-testid="paired">
        <h3>How sure: image by image, on {paired.metric}</h3>
        {paired.list.length ? (
          <>
            <ComparisonList comparisons={paired.list} />
            <p className="hint">
              Each provider against {baselinesOf(paired.list)} on the same images: the mean difference (positive: the provider better), its 95% interval, and the images won. {paired.note}
            </p>
          </>
        ) : (
          <p className="hint">Add bicubic or lanczos to a run to compare each provider with them image by image.</p>
        )}
      </div>
      <div className="charts">
        <QualitySavingsScatter rows={rows} metric={metric} />
        <ScoreHistogram rows={rows} metric={metric} />
        {/* beside it, whether shapes survived (or SSIM, when ORB is the choice) */}
        <ScoreHistogram rows={rows} metric={metric === 'orb' ? 'ssim' : 'orb'} />
      </div>
      <ResultsTable rows={rows} onView={setViewing} onFiltered={(r) => (filtered.current = r)} />
      {viewing ? <Viewer runId={details.runId} row={viewing} siblings={rows.filter((r) => r.image_path === viewing.image_path)} onClose={() => setViewing(null)} /> : null}
    </section>
  );
}

const signed = (x: number | null, digits: number) => (x === null ? '–' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`);
/** Green for a gain: a higher score, or a lower distance. */
const tone = (m: MetricDef, x: number | null) => (x === null || Math.abs(x) < 1e-12 ? undefined : x > 0 === m.higherIsBetter ? 'better' : 'worse');
const headOf = (m: MetricDef) => `${m.label}${m.unit}`;

/** "83% (5 of 6)": images where the provider scored better. */
function share(d: MetricDelta): string {
  if (!d.n) return '–';
  return `${Math.round((d.wins / d.n) * 100)}% (${d.wins} of ${d.n})`;
}

/** "bicubic and lanczos", "bicubic and recompress-only at no more bytes": the baselines the comparisons are against. */
function baselinesOf(list: readonly Comparison[]): string {
  const names = [...new Set(list.map((c) => (c.baseline.startsWith('recompress') ? 'recompress-only at no more bytes' : c.baseline)))];
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? '');
}

/**
 * The paired comparisons on the chosen metric, from the rows as summary.json makes them (same functions and
 * seed); summary.json's own, on its target metric, when the rows give none (rows from before stored settings).
 */
function pairedFor(rows: UiRow[], m: MetricDef, opts: ReturnType<typeof bootstrapOptions>, summary: Record<string, unknown> | null): { list: Comparison[]; metric: string; note: string } {
  // each sentence names its stored setting, as summary.json's do (a run storing several formats compares each apart)
  const list = pairedComparisons(rows, accessOf(m), opts, (r) => describeSetting({ factor: r.factor!, format: r.format, quality: r.quality }));
  if (list.length) return { list, metric: m.label, note: '' };
  const saved = Array.isArray(summary?.comparisons) ? (summary.comparisons as Comparison[]) : [];
  const on = (summary?.confidence as { metric?: string } | undefined)?.metric ?? saved[0]?.metric ?? m.label;
  return { list: saved, metric: on, note: saved.length ? `As summary.json gives them, on ${on}.` : '' };
}
