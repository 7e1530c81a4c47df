import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { UiRow } from '../../../preload/ipc-contract';
import { PROVIDER_COLOURS } from '../format';

/** Quality against savings, one colour per provider. */
export function QualitySavingsScatter({ rows }: { rows: UiRow[] }) {
  const providers = [...new Set(rows.map((r) => r.provider))];
  return (
    <figure className="chart" aria-label="SSIM against bytes saved, per provider">
      <figcaption>Quality vs savings</figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <ScatterChart margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="saved_percent" name="Saved" unit="%" domain={[(min: number) => Math.max(-100, Math.floor(min - 1)), (max: number) => Math.min(100, Math.ceil(max + 1))]} label={{ value: 'bytes saved %', position: 'insideBottom', offset: -10 }} />
          <YAxis type="number" dataKey="ssim" name="SSIM" domain={['auto', 'auto']} />
          <ZAxis range={[40, 40]} />
          <Tooltip cursor={{ strokeDasharray: '3 3' }} />
          <Legend verticalAlign="top" />
          {providers.map((p) => (
            <Scatter key={p} name={p} data={rows.filter((r) => r.provider === p && r.status === 'ok' && r.ssim !== null)} fill={PROVIDER_COLOURS[p] ?? '#888'} isAnimationActive={false} />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Distribution of a 0–1 score in ten bins, bars side by side per provider. */
export function ScoreHistogram({ rows, metric }: { rows: UiRow[]; metric: 'ssim' | 'orb_score' }) {
  const providers = [...new Set(rows.map((r) => r.provider))];
  const bins = Array.from({ length: 10 }, (_, i) => ({ bin: `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}` }) as Record<string, string | number>);
  for (const r of rows) {
    const v = r[metric];
    if (r.status !== 'ok' || v === null) continue;
    const i = Math.min(9, Math.max(0, Math.floor(v * 10)));
    bins[i][r.provider] = ((bins[i][r.provider] as number) ?? 0) + 1;
  }
  return (
    <figure className="chart" aria-label={`Histogram of ${metric === 'ssim' ? 'SSIM' : 'ORB'}`}>
      <figcaption>{metric === 'ssim' ? 'SSIM' : 'ORB similarity'} distribution</figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={bins} margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="bin" fontSize={11} />
          <YAxis allowDecimals={false} />
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
