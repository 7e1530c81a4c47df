import { CartesianGrid, ErrorBar, Legend, ReferenceDot, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { describeSetting, settingId } from '../../../main/core/results/pareto';
import { type Interval, errorOf, rangeText } from '../confidence';
import { PROVIDER_COLOURS, bytes, fmt } from '../format';
import { logAxis, roundAxis } from '../axes';
import type { At } from '../../../main/core/results/target';
import { pointStatistic } from '../metric-target';
import { type MetricDef, type ScoredPoint, pointMean, sliderRange, stepDigits } from '../metrics';

const colour = (p: string) => PROVIDER_COLOURS[p] ?? (p === 'none' ? '#b04fc2' : '#888');
/** The x axis in decimal kB, as every size is shown. */
const kb = (n: number) => n / 1000;

/**
 * Mean stored size against the chosen metric's `at` statistic (its mean unless a percentile is chosen), one dot per setting and provider, each provider's
 * frontier drawn as a line over its dots; the target as a horizontal line and the recommended setting
 * ringed, each dot with its statistic's 95% interval as a whisker (`intervals`, by settingId). Better is always up: a
 * distance (Butteraugli) runs down its axis. Clicking a dot picks that setting.
 */
export function SweepPlot(props: {
  metric: MetricDef;
  at?: At;
  points: ScoredPoint[];
  frontiers: Record<string, ScoredPoint[]>;
  target: number;
  recommended: ScoredPoint | null;
  intervals?: ReadonlyMap<string, Interval>;
  onPick: (p: ScoredPoint) => void;
}) {
  const m = props.metric;
  const at = props.at ?? 'mean';
  const stat = (p: ScoredPoint) => pointStatistic(p, m, at);
  // "mean SSIMULACRA2", "p10 SSIMULACRA2"
  const named = `${at} ${m.label}`;
  const providers = [...new Set(props.points.map((p) => p.provider))];
  const iv = (p: ScoredPoint) => props.intervals?.get(settingId(p));
  // providers reading the same stored copy share its bytes: each is nudged a few pixels sideways (4% on the
  // log axis) so no dot or whisker hides another; the tooltip gives the true size
  const x = (p: ScoredPoint) => kb(p.stored_bytes_mean) * 1.04 ** (providers.indexOf(p.provider) - (providers.length - 1) / 2);
  const data = (ps: ScoredPoint[]) => ps.filter((p) => stat(p) !== null).map((p) => ({ ...p, kb: x(p), score: stat(p), err: errorOf(iv(p)) ?? [0, 0] }));
  // the whiskers' ends too, so none runs off the plot
  const scores = props.points
    .flatMap((p) => [stat(p), iv(p)?.low ?? null, iv(p)?.high ?? null])
    .filter((x): x is number => x !== null && Number.isFinite(x));
  const { min, max } = sliderRange(m, scores, props.target);
  // the scores' own span with a margin, not the slider's whole scale
  const pad = (Math.max(props.target, ...scores) - Math.min(props.target, ...scores)) * 0.08 || m.step * 10;
  // round sizes on the log axis (not the nudged dots' own, which would misstate the bytes)
  const xAxis = logAxis(props.points.map((p) => kb(p.stored_bytes_mean)));
  const { domain: yDomain, ticks, digits } = roundAxis(
    Math.max(min, Math.min(props.target, ...scores) - pad),
    m.higherIsBetter && m.bounds[1] !== null ? m.bounds[1] : Math.min(max, Math.max(props.target, ...scores) + pad),
    m.bounds,
  );
  const tick = (v: number) => v.toFixed(digits);
  return (
    <figure className="chart sweep-plot" aria-label={`Mean stored size against ${named} per setting, with each provider's frontier`}>
      <figcaption>
        Stored size vs {at === 'mean' ? m.label : named}
        {m.higherIsBetter ? '' : ' (lower is better: the axis runs down, so better is still up)'} (lines: each provider's frontier — nothing of that provider is both smaller and better)
      </figcaption>
      <ResponsiveContainer width="100%" height={380}>
        <ScatterChart margin={{ top: 10, right: 24, bottom: 24, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="kb"
            name="Mean stored"
            unit=" kB"
            scale="log"
            domain={xAxis.domain}
            ticks={xAxis.ticks}
            allowDataOverflow
            tickFormatter={(v: number) => String(Number(v.toPrecision(3)))}
            label={{ value: 'mean stored size per image (kB, log scale)', position: 'insideBottom', offset: -14 }}
          />
          <YAxis
            type="number"
            dataKey="score"
            name={at === 'mean' ? `Mean ${m.label}` : named}
            domain={yDomain}
            ticks={ticks}
            allowDataOverflow
            reversed={!m.higherIsBetter}
            tickFormatter={tick}
            label={{ value: named, angle: -90, position: 'insideLeft', offset: 12, style: { textAnchor: 'middle' } }}
          />
          <ZAxis range={[110, 110]} />
          <Tooltip
            cursor={{ strokeDasharray: '3 3' }}
            content={({ active, payload }) => {
              const p = active && payload?.[0]?.payload ? (payload[0].payload as ScoredPoint) : null;
              if (!p) return null;
              return (
                <div className="tooltip">
                  <strong>{p.provider}</strong> · {describeSetting(p)}
                  <br />
                  {bytes(p.stored_bytes_mean)} ({fmt(p.saved_percent_mean, 1)}% saved) · {at === 'mean' ? m.label : named} {fmt(stat(p), m.digits)}
                  {rangeText(iv(p), m.digits) ? ` (95% interval ${rangeText(iv(p), m.digits)})` : ''}
                  {at === 'mean' ? '' : ` · mean ${fmt(pointMean(p, m), m.digits)}`}
                  {m.key === 'ssim' ? '' : ` · SSIM ${fmt(p.ssim_mean, 3)}`} · PSNR {fmt(p.psnr_mean)} dB
                </div>
              );
            }}
          />
          <Legend verticalAlign="top" />
          <ReferenceLine y={props.target} stroke="#c0392b" strokeDasharray="6 4" label={{ value: `target ${at === 'mean' ? '' : `${at} `}${m.higherIsBetter ? '≥' : '≤'} ${fmt(props.target, stepDigits(m))}`, position: 'insideTopLeft', fontSize: 12 }} />
          {/* frontier lines first, under the dots, and deaf to the pointer so every dot stays clickable */}
          {providers.map((p) => (
            <Scatter
              key={`front-${p}`}
              name={`${p} frontier`}
              legendType="none"
              data={data(props.frontiers[p] ?? [])}
              fill={colour(p)}
              line={{ stroke: colour(p), strokeWidth: 2, pointerEvents: 'none' }}
              shape={() => <g />}
              isAnimationActive={false}
            />
          ))}
          {providers.map((p) => (
            <Scatter
              key={`pts-${p}`}
              name={p}
              data={data(props.points.filter((x) => x.provider === p))}
              fill={colour(p)}
              fillOpacity={0.55}
              isAnimationActive={false}
              onClick={(d: { payload?: ScoredPoint }) => d?.payload && props.onPick(d.payload)}
              cursor="pointer"
            >
              {props.intervals ? <ErrorBar dataKey="err" direction="y" width={5} strokeWidth={1.5} stroke={colour(p)} isAnimationActive={false} /> : null}
            </Scatter>
          ))}
          {props.recommended && stat(props.recommended) !== null ? (
            <ReferenceDot
              key={settingId(props.recommended)}
              x={x(props.recommended)}
              y={stat(props.recommended)!}
              r={11}
              fill="none"
              stroke="#c0392b"
              strokeWidth={2.5}
              label={{ value: 'recommended', position: 'top', fontSize: 12 }}
            />
          ) : null}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}
