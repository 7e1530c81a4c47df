import type { StartedJob, UiRow } from '../../../preload/ipc-contract';
import { plural } from '../../../main/core/plural';
import { duration, fmt, baseName } from '../format';
import { storedText } from '../run-label';

/** What one image in flight is doing; a tile always belongs to that image's upscale by that provider. */
export interface ImageStep {
  name: string;
  /** A sweep's stored setting. */
  setting?: string;
  stage: string;
  provider?: string;
  tile?: { done: number; total: number; inFlight?: number };
}

export interface LiveRun {
  jobId: string;
  kind: 'run' | 'sweep';
  runId: string;
  total: number;
  /** Images finished, those kept from an interrupted run included. */
  done: number;
  /** Rows kept from the interrupted run this job resumes, per provider. */
  kept: StartedJob['kept'];
  providers: string[];
  /** Rows each provider will write (a sweep's providers write one per image and setting). */
  providerRows: Record<string, number>;
  settings: number;
  /** Rows this job has written. */
  rows: UiRow[];
  /** By input index. */
  inFlight: Record<number, ImageStep>;
  eta: number | null;
  ended: 'completed' | 'cancelled' | 'failed' | 'stopped' | null;
  message?: string;
}

export const stepText = (s: ImageStep) =>
  `${s.name}${s.setting ? ` ${s.setting}` : ''} · ${s.stage}${s.provider ? ` (${s.provider})` : ''}${s.tile ? ` · tile ${s.tile.done}/${s.tile.total}${s.tile.inFlight ? `, ${s.tile.inFlight} in flight` : ''}` : ''}`;

/** '–' until the run has timed something to base it on (a countdown that has run out knows nothing either). */
const etaText = (eta: number | null) => (eta === null || eta <= 0 ? '–' : duration(eta));

export function RunScreen({ live, onCancel, onOpen }: { live: LiveRun | null; onCancel: (jobId: string) => void; onOpen: (runId: string) => void }) {
  if (!live) return <p className="empty">No run yet. Start one from “New run”.</p>;
  const sweep = live.kind === 'sweep' || live.settings > 1;
  const pct = live.total ? Math.round((live.done / live.total) * 100) : 0;
  const steps = Object.entries(live.inFlight).sort(([a], [b]) => Number(a) - Number(b));
  const providers = live.providers.length ? live.providers : [...new Set(live.rows.map((r) => r.provider))];
  const byProvider = providers.map((p) => {
    const rows = live.rows.filter((r) => r.provider === p);
    const kept = live.kept.find((k) => k.provider === p);
    return { p, done: rows.length + (kept?.rows ?? 0), max: live.providerRows[p] ?? live.total, errors: rows.filter((r) => r.status === 'error').length + (kept?.errors ?? 0) };
  });
  return (
    <section aria-labelledby="run-title">
      <div className="row">
        <h2 id="run-title">
          {sweep ? 'Sweep' : 'Run'} {live.runId}
        </h2>
        <span className="spacer" />
        {live.ended ? (
          <button className="primary" onClick={() => onOpen(live.runId)}>
            Open results
          </button>
        ) : (
          <button className="danger" onClick={() => onCancel(live.jobId)}>
            Cancel run
          </button>
        )}
      </div>
      <div className="progress-block">
        <label htmlFor="overall">
          {live.done} of {plural(live.total, 'image')}
          {sweep ? ` × ${plural(live.settings, 'setting')} · ${plural(live.rows.length, 'row')}` : ''}
          {live.ended ? '' : ` · ETA ${etaText(live.eta)}`}
        </label>
        <progress id="overall" max={live.total || 1} value={live.done} aria-valuetext={`${pct}%`} />
        {byProvider.map((b) => (
          <div key={b.p} className="provider-progress">
            <span>{b.p}</span>
            <progress max={b.max || 1} value={b.done} aria-label={`${b.p} progress`} />
            <span>
              {b.done}/{b.max}
              {b.errors ? ` · ${b.errors} error${b.errors === 1 ? '' : 's'}` : ''}
            </span>
          </div>
        ))}
        <p className="hint" aria-live="polite" data-testid="stage">
          {live.ended ? `${sweep ? 'Sweep' : 'Run'} ${live.ended}${live.message ? `: ${live.message}` : ''}` : steps.length ? null : 'starting'}
        </p>
        {!live.ended && steps.length ? (
          <ul className="hint in-flight" data-testid="in-flight" aria-label="Images in progress">
            {steps.map(([index, s]) => (
              <li key={index}>{stepText(s)}</li>
            ))}
          </ul>
        ) : null}
      </div>
      <table className="live">
        <caption>Latest rows</caption>
        <thead>
          <tr>
            <th>Image</th>
            {sweep ? <th>Setting</th> : null}
            <th>Provider</th>
            <th>Status</th>
            <th>Saved %</th>
            <th>PSNR dB</th>
            <th>SSIM</th>
            <th>ORB</th>
          </tr>
        </thead>
        <tbody>
          {live.rows
            .slice(-12)
            .reverse()
            .map((r, i) => (
              <tr key={`${r.row}-${r.provider}-${i}`} className={r.status}>
                <td title={r.image_path}>{baseName(r.image_path)}</td>
                {sweep ? <td>{storedText(r)}</td> : null}
                <td>{r.provider}</td>
                <td>{r.status === 'ok' ? 'ok' : <span className="error-text">{r.error}</span>}</td>
                <td>{fmt(r.saved_percent, 1)}</td>
                <td>{r.identical ? '∞' : fmt(r.psnr)}</td>
                <td>{fmt(r.ssim, 3)}</td>
                <td>{fmt(r.orb_score, 3)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}
