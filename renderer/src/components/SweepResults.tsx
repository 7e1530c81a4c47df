import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import type { RunDetails, UiRow } from '../../../preload/ipc-contract';
import { RECOMPRESS_ONLY, describeSetting, edgeSentence, settingId, settingPoints, sweepGrid } from '../../../main/core/results/pareto';
import { type Interval } from '../../../main/core/results/confidence';
import { type Comparison, INTERPOLATION_BASELINES, pairedComparisons } from '../../../main/core/results/comparisons';
import { nearRecommendation, nearestSettings } from '../../../main/core/results/confidence-answer';
import { type Stopping, recommendationStopping } from '../../../main/core/results/stopping';
import { worstCases, worstRows } from '../../../main/core/results/worst-case';
import { bench, errorText } from '../bench';
import { accessOf, bootstrapOptions, intervalTitle, meanIntervalsBy, rangeText } from '../confidence';
import { useSettled } from '../use-settled';
import { computeCosts, isBilledPerInstanceHour } from '../compute-cost';
import { useCostSettings } from '../cost-settings';
import { GB, bytes, fmt } from '../format';
import { frontiersOn, imagesReaching, pointStatistic, recommendOn, recommendationSentenceOn, targetHelp } from '../metric-target';
import { type MetricKey, type ScoredPoint, availableMetrics, metricDef, pointMean, sliderRange, stepDigits } from '../metrics';
import { AT_CHOICES, type At, TARGET_METRICS, type Target, atMeaning, atPercentile } from '../../../main/core/results/target';
import { groupsOf, rowsOfGroup } from '../groups';
import { GroupPicker } from './GroupPicker';
import { modelOf } from '../run-label';
import { ComparisonList } from './ComparisonList';
import { MeanWithInterval } from './MeanWithInterval';
import { MetricChooser, TargetSlider } from './MetricChooser';
import { PolicyCard } from './PolicyCard';
import { SweepPlot } from './SweepPlot';
import { Viewer } from './Viewer';
import { WorstImageLink } from './WorstImageLink';

type SortKey = 'provider' | 'model' | 'factor' | 'format' | 'quality' | 'images' | 'stored_bytes_mean' | 'saved_percent_mean' | `${MetricKey}_mean` | 'upscale_ms_mean' | 'statistic';
const COLUMNS: [SortKey, string][] = [
  ['provider', 'Provider'],
  ['model', 'Model'],
  ['factor', 'Factor'],
  ['format', 'Format'],
  ['quality', 'Quality'],
  ['images', 'Images'],
  ['stored_bytes_mean', 'Mean stored'],
  ['saved_percent_mean', 'Saved %'],
];
/** The score columns, in the table's order; a metric the sweep did not compute has none. */
const SCORE_COLUMNS: [MetricKey, string][] = [
  ['ssim', 'SSIM'],
  ['psnr', 'PSNR dB'],
  ['orb', 'ORB'],
  ['ssimulacra2', 'SSIMULACRA2'],
  ['butteraugli', 'Butteraugli'],
  ['butteraugli_3norm', 'Butteraugli 3-norm'],
];

/** What the SSIM target means, beside the sweep's set-up (the results explain whichever metric is chosen). */
export const TARGET_HELP = metricDef('ssim').help;

/** A target as the sweep screen starts from it: the metric, its value, and the statistic (`--at`) that must reach it. */
export interface InitialTarget {
  metric: MetricKey;
  value: number;
  at?: At;
}

/** The target a sweep's summary.json was made with (`target`, with its `at`, or the older `target_ssim`). */
export function summaryTarget(summary: Record<string, unknown> | null): InitialTarget {
  const t = summary?.target as { metric?: string; value?: number; at?: string } | undefined;
  if (t && typeof t.value === 'number' && SCORE_COLUMNS.some(([k]) => k === t.metric)) {
    const at = (AT_CHOICES as readonly string[]).includes(t.at ?? '') ? (t.at as At) : undefined;
    return { metric: t.metric as MetricKey, value: t.value, ...(at && at !== 'mean' ? { at } : {}) };
  }
  return { metric: 'ssim', value: Number(summary?.target_ssim ?? 0.9) };
}

const rowsOf = (rows: UiRow[], p: ScoredPoint) =>
  rows.filter((r) => r.status === 'ok' && r.provider === p.provider && r.factor === p.factor && r.format === p.format && r.quality === p.quality);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * A sweep's answer on all its images or one group's (the picker shows when its rows carry groups): every
 * table, plot, sentence, frontier and recommendation below is the pure functions' answer on those rows, as
 * summary.json's `groups` gives each group's.
 */
export function SweepResults({ details, initialTarget, onError }: { details: RunDetails; initialTarget: InitialTarget; onError: (m: string) => void }) {
  const groups = useMemo(() => groupsOf(details.rows), [details.rows]);
  const [picked, setGroup] = useState<string | null>(null);
  const group = picked !== null && groups.some((g) => g.group === picked) ? picked : null;
  // another sweep opens on all its images
  useEffect(() => setGroup(null), [details.runId]);
  const rows = useMemo(() => rowsOfGroup(details.rows, group), [details.rows, group]);
  const shown = useMemo(() => ({ ...details, rows }), [details, rows]);
  const allImages = useMemo(() => new Set(details.rows.map((r) => r.image_path)).size, [details.rows]);
  return (
    <SweepAnswer
      details={shown}
      group={group}
      initialTarget={initialTarget}
      onError={onError}
      picker={<GroupPicker groups={groups} all={allImages} value={group} onChange={setGroup} />}
    />
  );
}

/** A sweep's answer: the plot, the target slider and the recommendation it moves, costs, and the per-setting table. */
function SweepAnswer({ details, group, initialTarget, onError, picker }: { details: RunDetails; group: string | null; initialTarget: InitialTarget; onError: (m: string) => void; picker: ReactNode }) {
  const available = useMemo(() => availableMetrics(details.rows), [details.rows]);
  // the sweep's own target metric, unless the sweep has no scores on it
  const startMetric = available.some((m) => m.key === initialTarget.metric) || !available.length ? initialTarget.metric : available[0].key;
  const [metric, setMetric] = useState<MetricKey>(startMetric);
  const [target, setTarget] = useState(startMetric === initialTarget.metric ? initialTarget.value : metricDef(startMetric).defaultTarget);
  // the statistic of per-image scores the target is on: the sweep's own `--at`, else the mean
  const [at, setAt] = useState<At>(initialTarget.at ?? 'mean');
  const m = metricDef(metric);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'stored_bytes_mean', desc: false });
  // `order`: how the siblings are ordered when it is not the rows' own ("worst first")
  const [viewing, setViewing] = useState<{ row: UiRow; siblings: UiRow[]; order?: string } | null>(null);
  const { price, setPrice, volume, setVolume, instancePrice, setInstancePrice, savePrefs } = useCostSettings();
  // the remembered SageMaker price, else a typical one, so the compute card is never empty
  const hourly = instancePrice ?? 1.5;
  const [exported, setExported] = useState<string | null>(null);

  useEffect(() => {
    setMetric(startMetric);
    setTarget(startMetric === initialTarget.metric ? initialTarget.value : metricDef(startMetric).defaultTarget);
    setAt(initialTarget.at ?? 'mean');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [details.runId, initialTarget.metric, initialTarget.value, initialTarget.at]);
  const choose = (key: MetricKey) => {
    setMetric(key);
    setTarget(key === initialTarget.metric ? initialTarget.value : metricDef(key).defaultTarget);
  };

  const points = useMemo(() => settingPoints(details.rows), [details.rows]);
  const scoreColumns = SCORE_COLUMNS.filter(([k]) => available.some((a) => a.key === k));
  // frontiers per (metric, statistic); each point carries its sorted scores, so a percentile is a look-up, not a pass over rows
  const fronts = useMemo(() => frontiersOn(points, m, at), [points, m, at]);
  const onFrontier = useMemo(() => new Set(Object.values(fronts).flatMap((f) => f.map(settingId))), [fronts]);
  const grid = useMemo(() => sweepGrid(details.rows), [details.rows]);
  const rec = recommendOn(points, m, target, grid, at);
  // the per-image policy on the same target, where the engine's targets cover the metric
  const policyTarget = useMemo(
    () => ((TARGET_METRICS as readonly string[]).includes(metric) ? ({ metric, value: Number(target.toFixed(stepDigits(m))) } as Target) : null),
    [metric, m, target],
  );
  const edge = edgeSentence(rec?.edge ?? []);
  const recPoint = rec?.point ?? null;
  const recompress = rec?.recompress ?? null;
  const hasRecompress = points.some((p) => p.provider === RECOMPRESS_ONLY);
  const sorted = useMemo(() => {
    const val = (p: ScoredPoint) => (sort.key === 'statistic' ? pointStatistic(p, m, at) : ((p as unknown as Record<SortKey, string | number | null>)[sort.key] ?? null));
    return [...points].sort((a, b) => {
      const x = val(a);
      const y = val(b);
      const c = x === null ? 1 : y === null ? -1 : typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sort.desc ? -c : c;
    });
  }, [points, sort, m, at]);
  const stats = useMemo(() => points.map((p) => pointStatistic(p, m, at)).filter((x): x is number => x !== null), [points, m, at]);
  const range = sliderRange(m, stats, target);

  // How sure: each setting's interval and its worst image on the chosen metric, once per metric (a bootstrap
  // over every setting is a fraction of a second at 54,000 rows: too slow for every slider step)
  const opts = useMemo(() => bootstrapOptions(details.summary), [details.summary]);
  const access = useMemo(() => accessOf(m), [m]);
  const intervals = useMemo(
    () => meanIntervalsBy(details.rows.filter((r) => r.factor !== null && r.format), (r) => settingId({ provider: r.provider, factor: r.factor!, format: r.format, quality: r.quality }), m, opts),
    [details.rows, m, opts],
  );
  // on a percentile, each setting's interval of that statistic (summary.json's worst_case.statistic): once per
  // choice of metric and statistic; the target only counts images reaching it, which the plot does not show
  const statIntervals = useMemo(() => (at === 'mean' ? intervals : percentileIntervals(details.rows, access, at, opts)), [at, intervals, details.rows, access, opts]);
  const worst = useMemo(() => worstRows(details.rows, access), [details.rows, access]);
  // The comparisons beside the pick and the stopping rule depend on the pick: worked out once the slider rests
  const settledKey = useSettled(`${metric}|${at}|${target}`, 200);
  const settled = settledKey === `${metric}|${at}|${target}`;
  // a key that changes only when the settings beside the pick do
  const nearKey = settled && recPoint ? [...nearestSettings(recPoint, fronts)].sort().join('\n') : null;
  const near = useMemo(() => (nearKey === null || !recPoint ? null : comparisonsNear(details.rows, nearKey, access, opts, recPoint, fronts)), [nearKey, details.rows, access, opts]);
  const stopping = useMemo<Stopping | null>(
    () =>
      settled && recPoint
        ? recommendationStopping(details.rows, recPoint, access, target, at === 'mean' ? opts : { ...opts, percentile: atPercentile(at, m.higherIsBetter), statistic: at }, (s) => `${s.provider} ${describeSetting(s)}`)
        : null,
    [settled, recPoint, details.rows, access, target, opts, at, m],
  );
  // while the slider moves, the last answers stay, greyed
  const lastStopping = useRef<Stopping | null>(null);
  if (stopping) lastStopping.current = stopping;
  const lastNear = useRef<Comparison[]>([]);
  if (near) lastNear.current = near;
  const recInterval = recPoint ? intervals.get(settingId(recPoint)) : undefined;
  const recStatInterval = recPoint ? statIntervals.get(settingId(recPoint)) : undefined;
  const recReaching = recPoint ? imagesReaching(recPoint, m, target) : null;
  const recWorst = recPoint ? worst.get(settingId(recPoint)) : undefined;

  const open = (p: ScoredPoint) => {
    const siblings = rowsOf(details.rows, p);
    if (siblings.length) setViewing({ row: siblings[0], siblings });
  };
  /** A header that sorts the table by its column, both ways. */
  const sortable = ([key, label]: [SortKey, string]) => (
    <th key={key} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button className="sort" onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : false }))}>
        {label}
        {sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  /** The setting's images, worst first on the chosen metric, opened on the worst. */
  const openWorst = (p: ScoredPoint) => {
    const score = (r: UiRow) => access.score(r) ?? (m.higherIsBetter ? Infinity : -Infinity);
    const siblings = rowsOf(details.rows, p).sort((a, b) => (m.higherIsBetter ? score(a) - score(b) : score(b) - score(a)));
    const w = worst.get(settingId(p));
    if (w) setViewing({ row: w, siblings, order: `worst ${m.label} first` });
  };
  const place = viewing ? viewing.siblings.findIndex((r) => r.row === viewing.row.row) : -1;
  const go = (d: number) => setViewing((v) => (v ? { ...v, row: v.siblings[(place + d + v.siblings.length) % v.siblings.length] } : v));

  // Storage of the recommended setting at the user's price and volume, against the originals and recompress-only.
  const recRows = recPoint ? rowsOf(details.rows, recPoint) : [];
  const originalMean = mean(recRows.map((r) => r.original_bytes).filter((x): x is number => x !== null));
  const monthly = (b: number | null) => (b === null ? null : (b * volume * price) / GB);
  const cost = recPoint ? computeCosts(recRows, { dollarsPerHour: hourly })[0] : undefined;
  const billed = recPoint ? isBilledPerInstanceHour(recPoint.provider) : false;

  return (
    <div className="sweep-results">
      <div className="row">
        <h3>Results — {details.runId}</h3>
        {picker}
        <span className="spacer" />
        <button
          title={group === null ? undefined : 'The table of every image’s settings, not only this group’s'}
          onClick={async () => {
            try {
              const r = await bench().sweeps.exportSettingsCsv(details.runId);
              if (r) setExported(`Exported ${r.rows} settings to ${r.path}`);
            } catch (e) {
              onError(errorText(e));
            }
          }}
        >
          {group === null ? 'Export table CSV…' : 'Export table CSV (all images)…'}
        </button>
        <button onClick={() => bench().runs.openFolder(details.runId).catch((e) => onError(errorText(e)))}>Show folder</button>
      </div>
      {exported ? <p role="status" className="banner ok">{exported}</p> : null}
      <div className="card recommendation">
        <div className="row">
          <MetricChooser metrics={available} value={metric} onChange={choose} />
          <TargetSlider metric={m} at={at} statistic={<StatisticChooser value={at} onChange={setAt} />} value={target} min={range.min} max={range.max} onChange={setTarget} />
        </div>
        <p className="hint" data-testid="target-help">
          {targetHelp(m, at)}
        </p>
        <p data-testid="recommendation" aria-live="polite">
          <strong>{rec ? 'Recommendation: ' : ''}</strong>
          {recommendationSentenceOn(rec, m, target, hasRecompress, at)}.
        </p>
        {recPoint ? (
          <p className="hint" data-testid="recommendation-interval">
            {at === 'mean' ? 'Mean' : at} {m.label} {fmt(pointStatistic(recPoint, m, at), m.digits)}
            {rangeText(recStatInterval, m.digits) ? (
              <span title={intervalTitle(recStatInterval)}>
                {' '}
                (95% interval {rangeText(recStatInterval, m.digits)} over {recStatInterval!.n} images)
              </span>
            ) : (
              ` (${intervalTitle(recStatInterval) || 'no interval'})`
            )}
            {at === 'mean' ? null : (
              <>
                {' '}
                · mean {fmt(pointMean(recPoint, m), m.digits)}
                {rangeText(recInterval, m.digits) ? <span title={intervalTitle(recInterval)}> ({rangeText(recInterval, m.digits)})</span> : null}
              </>
            )}
            {recReaching ? ` · ${recReaching.reaching} of ${recReaching.of} images reach ${m.higherIsBetter ? '≥' : '≤'} ${fmt(target, stepDigits(m))}` : null}
            {recWorst ? (
              <>
                {' '}
                · worst image: <WorstImageLink row={recWorst} metric={m} onOpen={() => openWorst(recPoint)} context={`the recommended setting`} />
              </>
            ) : null}
          </p>
        ) : null}
        {edge ? (
          <p className="hint" data-testid="grid-edge">
            {edge}
          </p>
        ) : null}
      </div>
      {recPoint ? (
        <div className="card how-sure" data-testid="how-sure">
          <h3>How sure is this?</h3>
          <p data-testid="stopping" className={stopping ? undefined : 'stale'} aria-busy={stopping ? undefined : true}>
            {lastStopping.current ? `The recommendation is ${lastStopping.current.sentence}.` : 'Checking whether more images could change the pick…'}
          </p>
          {lastNear.current.length ? (
            <div className={near ? undefined : 'stale'}>
              <p className="hint">Image by image on {m.label}, each upscaler at its frontier setting nearest the recommendation in bytes:</p>
              <ComparisonList comparisons={lastNear.current} />
            </div>
          ) : null}
        </div>
      ) : null}
      <div className="cards three">
        <div className="card" data-testid="sweep-storage">
          <h3>Storage at the recommended setting</h3>
          {recPoint ? (
            <p>
              {describeSetting(recPoint)}: {bytes(recPoint.stored_bytes_mean)} per image
              <br />
              <strong>≈ ${fmt(monthly(recPoint.stored_bytes_mean), 2)} / month</strong> for {volume.toLocaleString()} images
              <br />
              <span className="hint">
                originals ≈ ${fmt(monthly(originalMean), 2)}
                {recompress && recompress !== recPoint ? ` · recompress-only (${describeSetting(recompress)}) ≈ $${fmt(monthly(recompress.stored_bytes_mean), 2)}` : ''}
              </span>
            </p>
          ) : (
            <p className="hint">Nothing reaches the target.</p>
          )}
          <label>
            $/GB-month{' '}
            <input type="number" step="0.001" min={0} value={price} onChange={(e) => { setPrice(Number(e.target.value)); void savePrefs(Number(e.target.value), volume); }} />
          </label>
          <label>
            Images stored{' '}
            <input type="number" min={0} value={volume} onChange={(e) => { setVolume(Number(e.target.value)); void savePrefs(price, Number(e.target.value)); }} />
          </label>
        </div>
        <div className="card" data-testid="sweep-compute">
          <h3>Compute per 1,000 retrievals</h3>
          {!recPoint ? (
            <p className="hint">Nothing reaches the target.</p>
          ) : recPoint.provider === RECOMPRESS_ONLY ? (
            <p>Nothing to upscale: the stored copy is served as it is.</p>
          ) : cost && cost.secondsPerImage !== null ? (
            billed ? (
              <p>
                {fmt(cost.secondsPerImage, 2)} s per image on the endpoint → <strong>{fmt(cost.instanceHoursPer1000 ?? null, 2)} instance-hours</strong>
                {cost.dollarsPer1000 !== null && cost.dollarsPer1000 !== undefined ? ` ≈ $${fmt(cost.dollarsPer1000, 2)}` : ''}
                <br />
                <span className="hint">busy time only; the endpoint bills every hour it exists</span>
              </p>
            ) : (
              <p>
                {recPoint.provider}: {fmt(cost.coreSecondsPerImage, 2)} busy core-seconds per image on this machine → <strong>{fmt(cost.coreHoursPer1000, 2)} core-hours</strong>
              </p>
            )
          ) : (
            <p className="hint">No timings.</p>
          )}
          {/* only a SageMaker endpoint bills by the instance-hour */}
          {points.some((p) => isBilledPerInstanceHour(p.provider)) ? (
            <label>
              SageMaker $/instance-hour <input type="number" step="0.01" min={0} value={hourly} onChange={(e) => setInstancePrice(Number(e.target.value))} aria-label="SageMaker dollars per instance-hour" />
            </label>
          ) : null}
        </div>
      </div>
      {policyTarget ? (
        <PolicyCard
          scope={group === null ? undefined : 'all images'}
          runId={details.runId}
          rows={details.rows}
          target={policyTarget}
          onError={onError}
          onOpen={(row) => setViewing({ row, siblings: [row] })}
        />
      ) : null}
      <SweepPlot metric={m} at={at} points={points} frontiers={fronts} target={target} recommended={recPoint} intervals={statIntervals} onPick={open} />
      <div className="results-table">
        <p className="hint">
          {points.length} settings · click a row or a dot to see its images · <span className="frontier-mark">◆</span> on its provider's frontier{at === 'mean' ? '' : ` (on ${at} ${m.label})`} · under each mean {m.label}
          {at === 'mean' ? '' : ` and ${at}`}, its 95% interval
        </p>
        <div className="scroll">
          <table className="settings-table">
            <thead>
              <tr>
                {[...COLUMNS, ...scoreColumns.map(([k, label]): [SortKey, string] => [`${k}_mean`, label]), ...(at === 'mean' ? [] : [['statistic', `${at} ${m.label}`] as [SortKey, string]])].map(sortable)}
                <th title={`The image ${m.label} scored worst at that setting; it opens in the viewer, the setting's other images after it`}>Worst on {m.label}</th>
                {sortable(['upscale_ms_mean', 'ms / image'])}
                <th>Frontier</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((p) => (
                <tr key={settingId(p)} className={recPoint && settingId(recPoint) === settingId(p) ? 'recommended' : undefined} onClick={() => open(p)}>
                  <td>{p.provider}</td>
                  <td>{modelOf(p.provider, p.model) || '–'}</td>
                  <td>{p.factor === 1 ? '÷1 (full)' : `÷${p.factor}`}</td>
                  <td>{p.format}</td>
                  <td>{p.quality ?? '–'}</td>
                  <td>
                    {p.images}
                    {p.errors ? ` (+${p.errors} err)` : ''}
                  </td>
                  <td>{bytes(p.stored_bytes_mean)}</td>
                  <td>{fmt(p.saved_percent_mean, 1)}</td>
                  {scoreColumns.map(([k]) => (
                    <td key={k}>
                      <MeanWithInterval mean={pointMean(p, metricDef(k))} interval={k === metric ? intervals.get(settingId(p)) : undefined} digits={k === 'ssim' ? 4 : metricDef(k).digits} />
                    </td>
                  ))}
                  {at === 'mean' ? null : (
                    <td>
                      <MeanWithInterval mean={pointStatistic(p, m, at)} interval={statIntervals.get(settingId(p))} digits={m.digits} />
                    </td>
                  )}
                  <td>
                    <WorstImageLink row={worst.get(settingId(p))} metric={m} onOpen={() => openWorst(p)} context={`${p.provider} ${describeSetting(p)}`} />
                  </td>
                  <td>{fmt(p.upscale_ms_mean, 0)}</td>
                  <td>
                    {onFrontier.has(settingId(p)) ? <span className="frontier-mark" aria-label="on the frontier">◆</span> : ''}{' '}
                    <button onClick={(e) => { e.stopPropagation(); open(p); }} aria-label={`View images of ${p.provider} ${describeSetting(p)}`}>
                      View
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {viewing ? (
        <Viewer
          key={viewing.row.row}
          runId={details.runId}
          row={viewing.row}
          // the other providers' outputs from the same stored copy, to compare them
          siblings={details.rows.filter((r) => r.image_path === viewing.row.image_path && r.factor === viewing.row.factor && r.format === viewing.row.format && r.quality === viewing.row.quality)}
          onClose={() => setViewing(null)}
          nav={
            viewing.siblings.length > 1 ? (
              <span role="group" aria-label="Images of this setting">
                <button onClick={() => go(-1)} aria-label="Previous image">
                  ◀
                </button>{' '}
                <span>
                  {place + 1} of {viewing.siblings.length}
                  {viewing.order ? ` · ${viewing.order}` : ''}
                </span>{' '}
                <button onClick={() => go(1)} aria-label="Next image">
                  ▶
                </button>
              </span>
            ) : null
          }
        />
      ) : null}
    </div>
  );
}

/**
 * Each setting's interval of the `at` percentile (keyed by settingId), as summary.json's worst_case gives it:
 * worstCases' statistic, which its target does not change (the target only counts the images reaching it).
 */
function percentileIntervals(rows: readonly UiRow[], access: ReturnType<typeof accessOf>, at: At, opts: ReturnType<typeof bootstrapOptions>): Map<string, Interval> {
  return new Map(worstCases(rows, access, 0, at, opts).map((w) => [settingId(w), w.statistic]));
}

/** The statistic of per-image scores a target is on (`--at`): the mean, or a low percentile so the worst images count. */
function StatisticChooser({ value, onChange }: { value: At; onChange: (at: At) => void }) {
  return (
    <select className="statistic-chooser" aria-label="Target statistic" title={atMeaning(value)} value={value} onChange={(e) => onChange(e.target.value as At)}>
      {(['mean', 'median', 'p25', 'p10', 'p5'] as const).map((a) => (
        <option key={a} value={a} title={atMeaning(a)}>
          {a === 'mean' || a === 'median' ? a : `${a} (${a === 'p25' ? '3 in 4' : a === 'p10' ? '9 in 10' : '19 in 20'})`}
        </option>
      ))}
    </select>
  );
}

const storedId = (s: { factor: number | null; format: string; quality: number | null }) => `${s.factor}|${s.format}|${s.quality ?? ''}`;

/**
 * The paired comparisons beside the pick, from only the rows they read: each near setting's provider, the
 * interpolation baselines at the same stored setting, and recompress-only's rows for matched bytes. Every
 * comparison is over its own images alone, so these are the ones pairing every row would give, for a few
 * bootstraps instead of one per setting and baseline.
 */
function comparisonsNear(rows: readonly UiRow[], key: string, access: ReturnType<typeof accessOf>, opts: ReturnType<typeof bootstrapOptions>, pick: ScoredPoint, fronts: Record<string, ScoredPoint[]>): Comparison[] {
  const ids = new Set(key.split('\n'));
  const stored = new Set([...ids].map((id) => id.slice(id.indexOf('|') + 1)));
  const baselines = new Set<string>(INTERPOLATION_BASELINES);
  const subset = rows.filter(
    (r) => r.factor !== null && r.format && (r.provider === RECOMPRESS_ONLY || ids.has(settingId({ provider: r.provider, factor: r.factor, format: r.format, quality: r.quality })) || (baselines.has(r.provider) && stored.has(storedId(r)))),
  );
  const all = pairedComparisons(subset, access, opts, (r) => describeSetting({ factor: r.factor!, format: r.format, quality: r.quality }));
  return nearRecommendation(all, pick, fronts);
}
