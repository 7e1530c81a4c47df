import { useEffect, useState } from 'react';
import type { JobEvent, LocalModelSummary } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';

type Status =
  | { kind: 'idle' }
  | { kind: 'working'; file: string; stage: string }
  | { kind: 'added'; model: LocalModelSummary; ms: number; target: { path: string; name: string } }
  | { kind: 'failed'; message: string; retry?: { path: string; name: string } }
  | { kind: 'confirm-remove'; name: string };

const describe = (m: LocalModelSummary) =>
  m.kind === 'imported' ? `${m.name} — x${m.scales[0]} ${m.architecture}, imported${m.license ? ` (${m.license})` : ''}` : `${m.name} — ${m.summary}`;

/** The local-model picker: built-in and imported models, with Add model… and Remove for imported ones. */
export function ModelPicker(props: { models: LocalModelSummary[]; value: string; onChange: (name: string) => void; onModelsChanged: () => Promise<unknown>; children?: React.ReactNode }) {
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const chosen = props.models.find((m) => m.name === props.value);

  useEffect(
    () =>
      bench().jobs.onProgress((e: JobEvent) => {
        if (e.type === 'model-import') setStatus((s) => (s.kind === 'working' ? { kind: 'working', file: e.file, stage: e.stage } : s));
      }),
    [],
  );

  const add = async (picked?: { path: string; name: string }, force = false, inputRange?: '0-1' | '0-255') => {
    let target = picked;
    try {
      target ??= (await bench().models.pickFile()) ?? undefined;
      if (!target) return;
      setStatus({ kind: 'working', file: target.path.split(/[\\/]/).pop() ?? target.path, stage: 'reading' });
      const r = await bench().models.add(target.path, { name: target.name, force, ...(inputRange ? { inputRange } : {}) });
      setStatus({ kind: 'added', model: r.model, ms: r.ms, target: { path: target.path, name: r.model.name } });
      // Choose it once the list holds it (a name not in the list falls back to the default).
      await props.onModelsChanged();
      props.onChange(r.model.name);
    } catch (e) {
      const message = errorText(e);
      setStatus({ kind: 'failed', message, ...(target && /already in the library/.test(message) ? { retry: target } : {}) });
    }
  };

  const remove = async (name: string) => {
    try {
      await bench().models.remove(name);
      setStatus({ kind: 'idle' });
      if (props.value === name) props.onChange('thick');
      await props.onModelsChanged();
    } catch (e) {
      setStatus({ kind: 'failed', message: errorText(e) });
    }
  };

  return (
    <div className="model-picker">
      <div className="row">
        <label>
          Local model{' '}
          <select value={props.value} onChange={(e) => props.onChange(e.target.value)} data-testid="local-model">
            {props.models.map((m) => (
              <option key={m.name} value={m.name}>
                {describe(m)}
              </option>
            ))}
          </select>
        </label>
        {props.children}
        <button onClick={() => void add()} disabled={status.kind === 'working'}>
          Add model…
        </button>
        {chosen?.kind === 'imported' ? <button onClick={() => setStatus({ kind: 'confirm-remove', name: chosen.name })}>Remove…</button> : null}
      </div>
      <ImportStatus status={status} onReplace={(t, range) => void add(t, true, range)} onRemove={(n) => void remove(n)} onDismiss={() => setStatus({ kind: 'idle' })} />
    </div>
  );
}

function ImportStatus(props: { status: Status; onReplace: (t: { path: string; name: string }, inputRange?: '0-1' | '0-255') => void; onRemove: (name: string) => void; onDismiss: () => void }) {
  const s = props.status;
  if (s.kind === 'idle') return null;
  if (s.kind === 'working') {
    return (
      <p role="status" className="hint" data-testid="model-import">
        Importing {s.file}: {s.stage}…
      </p>
    );
  }
  if (s.kind === 'added') {
    const m = s.model;
    const facts = [
      `${m.architecture} x${m.scales[0]}`,
      ...Object.entries(m.details ?? {}).map(([k, v]) => `${k} ${v}`),
      m.params === undefined ? null : m.params >= 1e6 ? `${(m.params / 1e6).toFixed(2)} M parameters` : `${m.params.toLocaleString('en-US')} parameters`,
      `licence ${m.license ?? 'unknown — the file does not say; check where you got it'}`,
    ].filter(Boolean);
    return (
      <div role="status" className="banner ok" data-testid="model-import">
        Added <strong>{m.name}</strong> in {(s.ms / 1000).toFixed(1)} s: {facts.join(', ')}.
        <br />
        <span className="hint">sha256 {m.sha256}</span> <button onClick={props.onDismiss}>OK</button>
        {m.details?.inputRange ? <OnnxRange range={String(m.details.inputRange)} onSwitch={(r) => props.onReplace(s.target, r)} /> : null}
      </div>
    );
  }
  if (s.kind === 'failed') {
    return (
      <div role="alert" className="banner error" data-testid="model-import">
        {s.message}{' '}
        {s.retry ? <button onClick={() => props.onReplace(s.retry!)}>Replace it</button> : null} <button onClick={props.onDismiss}>Dismiss</button>
      </div>
    );
  }
  return (
    <div role="alertdialog" aria-label="Remove model" className="banner error" data-testid="confirm-remove">
      Remove <strong>{s.name}</strong> from the library? Its converted graph is deleted; the file you imported it from is not touched.{' '}
      <button onClick={() => props.onRemove(s.name)}>Remove</button> <button onClick={props.onDismiss}>Keep it</button>
    </div>
  );
}

/** An ONNX file cannot say which pixel range it takes: say which was assumed, and offer the other. */
function OnnxRange(props: { range: string; onSwitch: (r: '0-1' | '0-255') => void }) {
  const is255 = props.range === '0..255';
  return (
    <>
      <br />
      <span className="hint" data-testid="onnx-range">
        Assumed the model takes pixels in {is255 ? '0..255' : '0..1 (ONNX files do not say)'}; if its pictures look wrong, import it again as{' '}
        {is255 ? '0..1' : '0..255'}.
      </span>{' '}
      <button onClick={() => props.onSwitch(is255 ? '0-1' : '0-255')}>Re-import as {is255 ? '0..1' : '0..255'}</button>
    </>
  );
}
