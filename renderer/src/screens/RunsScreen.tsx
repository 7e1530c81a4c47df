import { useEffect, useState } from 'react';
import type { RunListItem, StartedJob } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';
import { fmt } from '../format';

export function RunsScreen({ onOpen, onError, onResumed }: { onOpen: (runId: string) => void; onError: (m: string) => void; onResumed: (job: StartedJob) => void }) {
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
            <th>Images</th>
            <th>OK / errors</th>
            <th>Providers</th>
            <th>Saved</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.runId}>
              <td>{new Date(r.startedAt).toLocaleString()}</td>
              <td>{r.status}</td>
              <td>{r.inputs}</td>
              <td>
                {r.ok} / {r.errors}
              </td>
              <td>{r.providers.join(', ')}</td>
              <td>{fmt(r.savedPercent, 1)}%</td>
              <td className="actions">
                <button onClick={() => onOpen(r.runId)} aria-label={`Open run ${r.runId}`}>
                  Open
                </button>
                {r.status !== 'completed' ? (
                  <button
                    onClick={async () => {
                      try {
                        const j = await bench().runs.resume(r.runId);
                        onResumed(j);
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
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
