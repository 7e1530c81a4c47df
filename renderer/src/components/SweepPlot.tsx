import { CartesianGrid, Legend, ReferenceDot, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { type SettingPoint, describeSetting, settingId } from '../../../main/core/results/pareto';
import { PROVIDER_COLOURS, bytes, fmt } from '../format';

const colour = (p: string) => PROVIDER_COLOURS[p] ?? (p === 'none' ? '#b04fc2' : '#888');
/** The x axis in decimal kB, as every size is shown. */
const kb = (n: number) => n / 1000;

/**
 * Mean stored size against mean SSIM, one dot per setting and provider, each provider's frontier drawn as a
 * line over its dots; the target as a horizontal line and the recommended setting ringed. Clicking a dot
 * picks that setting.
 */
export function SweepPlot(props: {
  points: SettingPoint[];
  frontiers: Record<string, SettingPoint[]>;
  target: number;
  recommended: SettingPoint | null;
  onPick: (p: SettingPoint) => void;
}) {
  const providers = [...new Set(props.points.map((p) => p.provider))];
  const data = (ps: SettingPoint[]) => ps.filter((p) => p.ssim_mean !== null).map((p) => ({ ...p, kb: kb(p.stored_bytes_mean), ssim: p.ssim_mean }));
  const ssims = props.points.map((p) => p.ssim_mean).filter((x): x is number => x !== null);
  const yMin = Math.max(0, Math.floor((Math.min(props.target, ...ssims) - 0.02) * 50) / 50);
  return (
    <figure className="chart sweep-plot" aria-label="Mean stored size against mean SSIM per setting, with each provider's frontier">
      <figcaption>Stored size vs SSIM (lines: each provider's frontier — nothing of that provider is both smaller and better)</figcaption>
      <ResponsiveContainer width="100%" height={380}>
        <ScatterChart margin={{ top: 10, right: 24, bottom: 24, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="kb"
            name="Mean stored"
            unit=" kB"
            scale="log"
            domain={[(min: number) => min / 1.25, (max: number) => max * 1.25]}
            allowDataOverflow
            tickFormatter={(v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1))}
            label={{ value: 'mean stored size per image (kB, log scale)', position: 'insideBottom', offset: -14 }}
          />
          <YAxis type="number" dataKey="ssim" name="Mean SSIM" domain={[yMin, 1]} tickFormatter={(v: number) => v.toFixed(2)} />
          <ZAxis range={[110, 110]} />
          <Tooltip
            cursor={{ strokeDasharray: '3 3' }}
            content={({ active, payload }) => {
              const p = active && payload?.[0]?.payload ? (payload[0].payload as SettingPoint) : null;
              if (!p) return null;
              return (
                <div className="tooltip">
                  <strong>{p.provider}</strong> · {describeSetting(p)}
                  <br />
                  {bytes(p.stored_bytes_mean)} ({fmt(p.saved_percent_mean, 1)}% saved) · SSIM {fmt(p.ssim_mean, 3)} · PSNR {fmt(p.psnr_mean)} dB
                </div>
              );
            }}
          />
          <Legend verticalAlign="top" />
          <ReferenceLine y={props.target} stroke="#c0392b" strokeDasharray="6 4" label={{ value: `target ${props.target.toFixed(3)}`, position: 'insideTopLeft', fontSize: 12 }} />
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
              onClick={(d: { payload?: SettingPoint }) => d?.payload && props.onPick(d.payload)}
              cursor="pointer"
            />
          ))}
          {props.recommended && props.recommended.ssim_mean !== null ? (
            <ReferenceDot
              key={settingId(props.recommended)}
              x={kb(props.recommended.stored_bytes_mean)}
              y={props.recommended.ssim_mean}
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
