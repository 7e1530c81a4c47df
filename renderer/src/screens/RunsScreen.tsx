import { useEffect, useState } from 'react';
import type { RunListItem, StartedJob } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';
import { plural } from '../../../main/core/plural';
import { baseName, fmt } from '../format';

export function RunsScreen({ onOpen, onError, onResumed }: { onOpen: (runId: string) => void; onError: (m: string) => void; onResumed: (job: StartedJob, kind: RunListItem['kind']) => void }) {
  const [runs, setRuns] = useState<RunListItem[] | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const load = () =>
    bench()
      .runs.list()
      .then(setRuns)
      .catch((e) => onError(errorText(e)));
  useEffect(() => {
    void load();
  }, []);
  if (!runs) return <p>Loading…</p>;
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Past runs</h2>
      {runs.length === 0 ? <p className="empty">No runs yet.</p> : null}
      <table className="runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Status</th>
            <th>Input</th>
            <th>Stored as</th>
            <th>Providers and models</th>
            <th>Images</th>
            <th title="One result per image and provider; in a sweep, per image, setting and provider">Results</th>
            <th>Saved</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.runId}>
              <td>
                {new Date(r.startedAt).toLocaleString()}
                <br />
                <span className="hint">{r.runId}</span>
              </td>
              <td>{r.status}</td>
              <td className="path" title={r.input}>
                {baseName(r.input)}
              </td>
              <td>{storedAs(r)}</td>
              <td>
                {r.models.map((m) => (
                  <div key={m}>{m}</div>
                ))}
              </td>
              <td>{imagesText(r)}</td>
              <td>
                {resultsText(r)}
                <br />
                <span className="hint">{shapeText(r)}</span>
              </td>
              <td title={r.kind === 'sweep' ? 'the saving of the setting the sweep recommends' : undefined}>{r.savedPercent === null ? '–' : `${fmt(r.savedPercent, 1)}%${r.kind === 'sweep' ? ' (recommended)' : ''}`}</td>
              <td>
                {/* the cell stays a table cell (its border in line with the row's); the buttons flow inside it */}
                <div className="actions">
                  <button onClick={() => onOpen(r.runId)} aria-label={`Open run ${r.runId}`}>
                    Open
                  </button>
                  {r.status !== 'completed' ? (
                    <button
                      onClick={async () => {
                        try {
                          const j = await bench().runs.resume(r.runId);
                          onResumed(j, r.kind);
                        } catch (e) {
                          onError(errorText(e));
                        }
                      }}
                    >
                      Resume
                    </button>
                  ) : null}
                  <button onClick={() => bench().runs.openFolder(r.runId).catch((e) => onError(errorText(e)))}>Show folder</button>
                  {confirming === r.runId ? (
                    <span role="alertdialog" aria-label="Confirm delete">
                      Delete this run and its files?{' '}
                      <button
                        className="danger"
                        onClick={async () => {
                          setConfirming(null);
                          await bench().runs.remove(r.runId).catch((e) => onError(errorText(e)));
                          await load();
                        }}
                      >
                        Delete
                      </button>{' '}
                      <button onClick={() => setConfirming(null)}>Keep</button>
                    </span>
                  ) : (
                    <button className="danger-outline" onClick={() => setConfirming(r.runId)}>
                      Delete…
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** "÷4 · webp q70", "fit 100–200 px · png". */
export function storedAs(r: RunListItem): string {
  if (r.grid) return `sweep ÷${r.grid.factors.join(',')} × ${r.grid.formats.join(', ')} × q${r.grid.qualities.join(',')}`;
  const size = r.fit ? `fit ${r.fit.min}–${r.fit.max} px` : r.factor ? `÷${r.factor}` : '';
  const lossy = r.format !== 'png' && r.quality !== null;
  const format = r.format ? `${r.format}${lossy ? ` q${r.quality}` : ''}` : '';
  return [size, format].filter(Boolean).join(' · ') || '–';
}

/** Images done, of the input's: "5", or "2 of 5" for a run that stopped early. */
export function imagesText(r: RunListItem): string {
  if (r.inputs === null) return '–';
  const done = r.inputs - r.notRun;
  return done === r.inputs ? String(r.inputs) : `${done} of ${r.inputs}`;
}

/** Results are one per image and provider: "6 ok · 2 errors", over "4 images × 2 providers". */
export function resultsText(r: RunListItem): string {
  const parts = [`${r.ok} ok`];
  if (r.errors) parts.push(`${r.errors} error${r.errors === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** What the results count: "4 images × 2 providers"; a sweep's "3 images × 4 settings × 3 providers" (its full-size settings, scored as stored, apart). */
export function shapeText(r: RunListItem): string {
  const done = r.inputs === null ? null : r.inputs - r.notRun;
  const n = r.providers.length;
  if (done === null || !n) return '';
  const images = plural(done, 'image');
  if (!r.grid) return `${images} × ${plural(n, 'provider')}`;
  // PNG is stored once per factor, whatever the qualities
  const perFactor = r.grid.formats.reduce((k, f) => k + (f === 'png' ? 1 : r.grid!.qualities.length), 0);
  const full = r.grid.factors.includes(1) ? perFactor : 0;
  const upscaled = r.grid.factors.filter((f) => f !== 1).length * perFactor;
  const fullText = plural(full, 'full-size setting');
  if (!upscaled) return `${images} × ${fullText}`;
  const upText = `${plural(upscaled, 'setting')} × ${plural(n, 'provider')}`;
  return full ? `${images} × (${upText} + ${fullText})` : `${images} × ${upText}`;
}
