import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, ErrorBar, LabelList, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { UiRow } from '../../../preload/ipc-contract';
import { binOf, niceBins } from '../bins';
import { roundAxis } from '../axes';
import { type Interval, errorOf, rangeText } from '../confidence';
import { PROVIDER_COLOURS, PROVIDER_SHAPES, fmt } from '../format';
import { type MetricDef, type MetricKey, availableMetrics, metricDef, scoreOf } from '../metrics';

/** An axis's name: the metric, its unit, and which way is better for a distance. */
const axisLabel = (m: MetricDef) => `${m.label}${m.unit ? ` (${m.unit.trim()})` : ''}${m.higherIsBetter ? '' : ' — lower is better'}`;

/** Dots a scatter draws at most: each is an SVG node, and 54,000 of them took minutes to lay out and read as one blot. */
export const MAX_DOTS = 2000;

/** An even sample of `n` of `xs`, in their order (every k-th, k fractional): all of them when there are no more. */
export function evenSample<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

/**
 * Quality against savings, one colour and shape per provider. Every provider reads the same stored copy,
 * so an image's dots share one x; each provider's are nudged sideways a little so none hides another.
 * The metric is the screen's choice when it passes one, else the scatter's own select. Past MAX_DOTS rows
 * it draws an even sample of each provider's, and says so; the axes still span every row.
 */
export function QualitySavingsScatter({ rows, metric: chosen }: { rows: UiRow[]; metric?: MetricKey }) {
  const [own, setOwn] = useState<MetricKey>('ssim');
  const m = metricDef(chosen ?? own);
  const providers = [...new Set(rows.map((r) => r.provider))];
  const ok = rows.filter((r) => r.status === 'ok' && r.saved_percent !== null && scoreOf(r, m) !== null);
  const xs = ok.map((r) => r.saved_percent as number);
  // a loop, not Math.min(...xs): spreading hundreds of thousands of arguments overflows the stack
  const [lo, hi] = xs.length ? savedDomain(xs.reduce((a, b) => Math.min(a, b)), xs.reduce((a, b) => Math.max(a, b))) : [0, 100];
  // a fixed share of the axis (about a dot's width), so the nudge shows whatever the spread of savings
  const nudge = (hi - lo) * 0.016;
  const perProvider = Math.max(1, Math.floor(MAX_DOTS / Math.max(1, providers.length)));
  const sampled = ok.length > MAX_DOTS;
  let drawn = 0;
  const series = providers.map((p, i) => ({
    provider: p,
    data: evenSample(
      ok.filter((r) => r.provider === p),
      sampled ? perProvider : Infinity,
    ).map((r) => ({ x: (r.saved_percent as number) + (i - (providers.length - 1) / 2) * nudge, y: scoreOf(r, m) as number, saved: r.saved_percent, image: r.image_path.split(/[\\/]/).pop() })),
  }));
  for (const s of series) drawn += s.data.length;
  const label = axisLabel(m);
  return (
    <figure className="chart" aria-label={`${m.label} against bytes saved, per provider`}>
      <figcaption>
        Quality vs savings
        {chosen ? (
          ` (${m.label})`
        ) : (
          <>
            {' '}
            <select aria-label="Scatter quality metric" value={m.key} onChange={(e) => setOwn(e.target.value as MetricKey)}>
              {availableMetrics(rows).map((x) => (
                <option key={x.key} value={x.key}>
                  {axisLabel(x)}
                </option>
              ))}
            </select>
          </>
        )}
        {sampled ? (
          <span className="hint" data-testid="scatter-sample">
            {' '}
            — an even sample: {drawn.toLocaleString()} of {ok.length.toLocaleString()} dots (the histograms count every row)
          </span>
        ) : null}
      </figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <ScatterChart margin={{ top: 10, right: 20, bottom: 24, left: 14 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            name="Saved"
            unit="%"
            domain={[lo, hi]}
            allowDataOverflow
            tickFormatter={(v: number) => String(Math.round(v))}
            label={{ value: 'bytes saved (%)', position: 'insideBottom', offset: -14 }}
          />
          {/* a distance runs down its axis, so better is up whichever metric is chosen */}
          <YAxis type="number" dataKey="y" name={m.label} domain={['auto', 'auto']} reversed={!m.higherIsBetter} tickFormatter={(v: number) => fmt(v, m.digits === 3 ? 2 : m.digits === 2 ? 1 : 0)} label={{ value: label, angle: -90, position: 'insideLeft', offset: -4, style: { textAnchor: 'middle' } }} />
          <ZAxis range={[46, 46]} />
          <Tooltip
            cursor={{ strokeDasharray: '3 3' }}
            content={({ payload }) => {
              const d = payload?.[0]?.payload as { image: string; saved: number; y: number } | undefined;
              const s = payload?.[0] as { name?: string } | undefined;
              return d ? (
                <div className="tooltip">
                  <strong>{d.image}</strong> · {s?.name}
                  <br />
                  saved {fmt(d.saved, 1)}% · {m.label} {fmt(d.y, m.digits)}
                </div>
              ) : null;
            }}
          />
          <Legend verticalAlign="top" />
          {series.map((s) => (
            <Scatter key={s.provider} name={s.provider} data={s.data} fill={PROVIDER_COLOURS[s.provider] ?? '#888'} fillOpacity={0.65} stroke={PROVIDER_COLOURS[s.provider] ?? '#888'} shape={PROVIDER_SHAPES[s.provider] ?? 'circle'} legendType={PROVIDER_SHAPES[s.provider] ?? 'circle'} isAnimationActive={false} />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** The x axis of the scatter: the savings' range, a point of margin either side, within −100–100%. */
function savedDomain(min: number, max: number): [number, number] {
  return [Math.max(-100, Math.floor(min - 1)), Math.min(100, Math.ceil(max + 1))];
}

/** Distribution of a score in round-width bins over the range the data covers, bars side by side per provider. */
export function ScoreHistogram({ rows, metric }: { rows: UiRow[]; metric: MetricKey }) {
  const m = metricDef(metric);
  const providers = [...new Set(rows.map((r) => r.provider))];
  const ok = rows.filter((r) => r.status === 'ok' && scoreOf(r, m) !== null);
  const bins = niceBins(ok.map((r) => scoreOf(r, m) as number));
  const data = bins.map((b) => ({ bin: b.label }) as Record<string, string | number>);
  for (const r of ok) {
    const i = binOf(bins, scoreOf(r, m) as number);
    data[i][r.provider] = ((data[i][r.provider] as number) ?? 0) + 1;
  }
  const label = axisLabel(m);
  return (
    <figure className="chart" aria-label={`Histogram of ${label}`}>
      <figcaption>{label} distribution</figcaption>
      <ResponsiveContainer width="100%" height={300}>
        <BarChart data={data} margin={{ top: 10, right: 20, bottom: 24, left: 14 }}>
          <CartesianGrid strokeDasharray="3 3" />
          {/* every bin named by its range, slanted to fit: recharts would otherwise drop every other label, and a bar then reads as its neighbour's */}
          <XAxis dataKey="bin" fontSize={11} interval={0} angle={-35} textAnchor="end" height={58} label={{ value: label, position: 'insideBottom', offset: -14 }} />
          <YAxis allowDecimals={false} label={{ value: 'images', angle: -90, position: 'insideLeft', offset: -4, style: { textAnchor: 'middle' } }} />
          <Tooltip />
          <Legend verticalAlign="top" />
          {providers.map((p) => (
            <Bar key={p} dataKey={p} fill={PROVIDER_COLOURS[p] ?? '#888'} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** One provider's mean on a metric and its 95% interval (null with fewer than two images). */
export interface ProviderMean {
  provider: string;
  mean: number | null;
  interval: Interval | null;
}

/**
 * Each provider's mean on the metric with its 95% interval as a whisker, one line each: whether the gaps
 * between providers are more than these images' spread. Better is to the right whichever way the metric runs.
 */
export function MeansChart({ means, metric }: { means: readonly ProviderMean[]; metric: MetricKey }) {
  const m = metricDef(metric);
  const shown = means.filter((x) => x.mean !== null);
  const data = shown.map((x) => ({
    provider: x.provider,
    mean: x.mean!,
    err: errorOf(x.interval) ?? [0, 0],
    text: rangeText(x.interval, m.digits) ? `${fmt(x.mean, m.digits)} (${rangeText(x.interval, m.digits)})` : fmt(x.mean, m.digits),
    n: x.interval?.n ?? 0,
  }));
  // the whiskers' span with a margin, widened to round ticks, so no end sits on the frame
  const lo = Math.min(...shown.map((x) => x.interval?.low ?? x.mean!));
  const hi = Math.max(...shown.map((x) => x.interval?.high ?? x.mean!));
  const pad = (hi - lo) * 0.08;
  const axis = roundAxis(lo - pad, hi + pad, m.bounds);
  const tick = (v: number) => v.toFixed(axis.digits);
  return (
    <figure className="chart means-chart" aria-label={`Mean ${m.label} per provider with 95% intervals`}>
      <figcaption>
        Mean {m.label} per provider <span className="hint">(bars: 95% interval over images{m.higherIsBetter ? '' : '; the axis runs right to left, so better is to the right'})</span>
      </figcaption>
      {data.length ? (
        <ResponsiveContainer width="100%" height={46 * data.length + 56}>
          <ScatterChart margin={{ top: 18, right: 20, bottom: 20, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" dataKey="mean" domain={axis.domain} ticks={axis.ticks} allowDataOverflow reversed={!m.higherIsBetter} tickFormatter={tick} label={{ value: axisLabel(m), position: 'insideBottom', offset: -12 }} />
            {/* the first provider on top, as in the table */}
            <YAxis type="category" dataKey="provider" allowDuplicatedCategory={false} width={72} reversed />
            <ZAxis range={[70, 70]} />
            <Tooltip
              cursor={false}
              content={({ payload }) => {
                const d = payload?.[0]?.payload as (typeof data)[number] | undefined;
                return d ? (
                  <div className="tooltip">
                    <strong>{d.provider}</strong> · mean {m.label} {d.text} over {d.n} image{d.n === 1 ? '' : 's'}
                  </div>
                ) : null;
              }}
            />
            {data.map((d) => (
              <Scatter key={d.provider} name={d.provider} data={[d]} fill={PROVIDER_COLOURS[d.provider] ?? '#888'} shape={PROVIDER_SHAPES[d.provider] ?? 'circle'} isAnimationActive={false}>
                <ErrorBar dataKey="err" direction="x" width={8} strokeWidth={2} stroke={PROVIDER_COLOURS[d.provider] ?? '#888'} isAnimationActive={false} />
                {/* one line over the dot (recharts' own label would wrap it to the dot's width) */}
                <LabelList dataKey="text" content={({ x, y, width, value }) => (
                  <text x={Number(x) + Number(width ?? 0) / 2} y={Number(y) - 8} textAnchor="middle" fontSize={11} className="mean-label">
                    {String(value)}
                  </text>
                )} />
              </Scatter>
            ))}
          </ScatterChart>
        </ResponsiveContainer>
      ) : (
        <p className="hint">No provider has a {m.label} score.</p>
      )}
    </figure>
  );
}
