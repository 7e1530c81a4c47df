import { useMemo, useState } from 'react';
import type { UiRow } from '../../../preload/ipc-contract';
import { adaptivePolicy, describePolicySetting, policySentence } from '../../../main/core/results/policy';
import type { Target } from '../../../main/core/results/target';
import { bench, errorText } from '../bench';
import { bytes, fmt } from '../format';

/**
 * The per-image policy beside the single recommendation (issue 22): what it stores, how many images reach
 * the target, which settings it uses, and the images that miss; each image opens in the viewer.
 */
/** `scope`: what the export covers when it is more than `rows` ("all images", while a group is shown). */
export function PolicyCard({ runId, rows, target, onOpen, onError, scope }: { runId: string; rows: UiRow[]; target: Target; onOpen: (row: UiRow) => void; onError: (m: string) => void; scope?: string }) {
  const policy = useMemo(() => adaptivePolicy(rows, target), [rows, target]);
  const [exported, setExported] = useState<string | null>(null);
  if (!policy) return null;
  /** The row a policy line names: the image under its chosen setting and provider. */
  const rowOf = (image: string) => {
    const c = policy.choices.find((x) => x.image_path === image)!;
    return rows.find((r) => r.image_path === image && r.status === 'ok' && r.provider === c.provider && r.factor === c.factor && r.format === c.format && r.quality === c.quality);
  };
  const open = (image: string) => {
    const row = rowOf(image);
    if (row) onOpen(row);
  };
  const name = (path: string) => path.split(/[\\/]/).pop() ?? path;
  const most = Math.max(...policy.breakdown.map((b) => b.images));
  return (
    <div className="card policy" data-testid="policy">
      <div className="row">
        <h3>One setting per image</h3>
        <span className="spacer" />
        <button
          onClick={async () => {
            try {
              const r = await bench().sweeps.exportPolicyCsv(runId, target);
              if (r) setExported(`Exported the policy for ${r.rows} images to ${r.path}`);
            } catch (e) {
              onError(errorText(e));
            }
          }}
        >
          {scope ? `Export policy.csv (${scope})…` : 'Export policy.csv…'}
        </button>
      </div>
      {exported ? <p role="status" className="banner ok">{exported}</p> : null}
      <p data-testid="policy-sentence">{policySentence(policy, bytes)}.</p>
      {policy.upscale_seconds_per_1000 > 0 ? (
        <p className="hint">Its upscaling costs {fmt(policy.upscale_seconds_per_1000, 0)} s of this machine per 1,000 retrievals.</p>
      ) : (
        <p className="hint">Every image is served as stored: nothing to upscale.</p>
      )}
      <table className="policy-breakdown" aria-label="Settings the policy uses">
        <tbody>
          {policy.breakdown.map((b) => (
            <tr key={describePolicySetting(b)}>
              <td>{describePolicySetting(b)}</td>
              <td className="bar-cell">
                <span className="bar" style={{ width: `${(b.images / most) * 100}%` }} />
              </td>
              <td>
                {b.images} {b.images === 1 ? 'image' : 'images'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {policy.missed.length ? (
        <p data-testid="policy-missed">
          No setting brings {policy.missed.length === 1 ? 'this image' : 'these images'} to the target (the closest is used):{' '}
          {policy.missed.map((m, i) => (
            <span key={m.image_path}>
              {i ? ', ' : ''}
              <button className="link" onClick={() => open(m.image_path)} aria-label={`View ${name(m.image_path)}`}>
                {name(m.image_path)}
              </button>{' '}
              ({fmt(m.score, 3)})
            </span>
          ))}
        </p>
      ) : null}
      <details>
        <summary>Every image's setting</summary>
        <ul className="policy-images">
          {policy.choices.map((c) => (
            <li key={c.image_path}>
              <button className="link" onClick={() => open(c.image_path)} aria-label={`View ${name(c.image_path)} at its policy setting`}>
                {name(c.image_path)}
              </button>
              : {describePolicySetting(c)}, {bytes(c.stored_bytes)}, {target.metric.toUpperCase()} {fmt(c.score, 3)}
              {c.reaches_target ? '' : ' (misses)'}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
