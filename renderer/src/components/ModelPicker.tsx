import { useEffect, useState } from 'react';
import type { JobEvent, LocalModelSummary } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';

type Status =
  | { kind: 'idle' }
  | { kind: 'working'; file: string; stage: string }
  | { kind: 'added'; model: LocalModelSummary; ms: number; target: { path: string; name: string }; int8Refused?: string }
  | { kind: 'failed'; message: string; retry?: { path: string; name: string } }
  | { kind: 'confirm-remove'; name: string }
  | { kind: 'confirm-int8'; name: string }
  | { kind: 'quantizing'; name: string; stage: string }
  | { kind: 'quantized'; model: LocalModelSummary; ms: number }
  | { kind: 'int8-refused'; name: string; message: string };

const INT8_STAGES: Record<string, string> = { calibrating: 'calibrating', quantizing: 'quantizing', measuring: 'measuring it against fp32', saving: 'saving' };

const describe = (m: LocalModelSummary) =>
  m.kind === 'imported' ? `${m.name} — x${m.scales[0]} ${m.architecture}, imported${m.license ? ` (${m.license})` : ''}` : `${m.name} — ${m.summary}`;

/** The local-model picker: built-in and imported models, with Add model… (optionally with an int8 build), and Make int8 build… and Remove… for imported ones. */
export function ModelPicker(props: { models: LocalModelSummary[]; value: string; onChange: (name: string) => void; onModelsChanged: () => Promise<unknown>; children?: React.ReactNode }) {
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [withInt8, setWithInt8] = useState(false);
  const chosen = props.models.find((m) => m.name === props.value);
  const busy = status.kind === 'working' || status.kind === 'quantizing';

  useEffect(
    () =>
      bench().jobs.onProgress((e: JobEvent) => {
        if (e.type === 'model-import') setStatus((s) => (s.kind === 'working' ? { kind: 'working', file: e.file, stage: e.stage } : s));
        if (e.type === 'model-int8') setStatus((s) => (s.kind === 'working' || s.kind === 'quantizing' ? { kind: 'quantizing', name: e.model, stage: INT8_STAGES[e.stage] ?? e.stage } : s));
      }),
    [],
  );

  const add = async (picked?: { path: string; name: string }, force = false, inputRange?: '0-1' | '0-255') => {
    let target = picked;
    try {
      target ??= (await bench().models.pickFile()) ?? undefined;
      if (!target) return;
      setStatus({ kind: 'working', file: target.path.split(/[\\/]/).pop() ?? target.path, stage: 'reading' });
      const r = await bench().models.add(target.path, { name: target.name, force, ...(inputRange ? { inputRange } : {}), ...(withInt8 ? { int8: true } : {}) });
      setStatus({ kind: 'added', model: r.model, ms: r.ms, target: { path: target.path, name: r.model.name }, ...(r.int8Refused ? { int8Refused: r.int8Refused } : {}) });
      // Choose it once the list holds it (a name not in the list falls back to the default).
      await props.onModelsChanged();
      props.onChange(r.model.name);
    } catch (e) {
      const message = errorText(e);
      setStatus({ kind: 'failed', message, ...(target && /already in the library/.test(message) ? { retry: target } : {}) });
    }
  };

  const quantize = async (name: string, force = false) => {
    try {
      setStatus({ kind: 'quantizing', name, stage: 'starting' });
      const r = await bench().models.quantize(name, force ? { force } : {});
      setStatus({ kind: 'quantized', model: r.model, ms: r.ms });
      await props.onModelsChanged();
    } catch (e) {
      const message = errorText(e);
      setStatus(/refused/.test(message) ? { kind: 'int8-refused', name, message } : { kind: 'failed', message });
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
        <button onClick={() => void add()} disabled={busy}>
          Add model…
        </button>
        <label className="hint">
          <input type="checkbox" checked={withInt8} onChange={(e) => setWithInt8(e.target.checked)} disabled={busy} /> also make an int8 build
        </label>
        {chosen?.kind === 'imported' ? (
          <button onClick={() => setStatus({ kind: 'confirm-int8', name: chosen.name })} disabled={busy}>
            {chosen.int8 ? 'Make int8 build again…' : 'Make int8 build…'}
          </button>
        ) : null}
        {chosen?.kind === 'imported' ? <button onClick={() => setStatus({ kind: 'confirm-remove', name: chosen.name })}>Remove…</button> : null}
      </div>
      <ImportStatus
        status={status}
        onReplace={(t, range) => void add(t, true, range)}
        onRemove={(n) => void remove(n)}
        onQuantize={(n, force) => void quantize(n, force)}
        onDismiss={() => setStatus({ kind: 'idle' })}
      />
    </div>
  );
}

function ImportStatus(props: {
  status: Status;
  onReplace: (t: { path: string; name: string }, inputRange?: '0-1' | '0-255') => void;
  onRemove: (name: string) => void;
  onQuantize: (name: string, force: boolean) => void;
  onDismiss: () => void;
}) {
  const s = props.status;
  if (s.kind === 'idle') return null;
  if (s.kind === 'confirm-int8') {
    return (
      <div role="alertdialog" aria-label="Make int8 build" className="banner" data-testid="model-int8">
        Make an int8 build of <strong>{s.name}</strong>? It is calibrated on the bundled photos and measured against fp32 here (seconds for a small net, minutes for a deep one), and kept only if it costs at
        most 0.3 dB of PSNR against the originals and is faster. <button onClick={() => props.onQuantize(s.name, false)}>Make it</button> <button onClick={props.onDismiss}>Cancel</button>
      </div>
    );
  }
  if (s.kind === 'quantizing') {
    return (
      <p role="status" className="hint" data-testid="model-int8">
        Making the int8 build of {s.name}: {s.stage}…
      </p>
    );
  }
  if (s.kind === 'quantized') {
    return (
      <div role="status" className="banner ok" data-testid="model-int8">
        Made the int8 build of <strong>{s.model.name}</strong> in {(s.ms / 1000).toFixed(1)} s: {s.model.int8?.summary}. Choose <em>int8 arithmetic</em> to run it.{' '}
        <button onClick={props.onDismiss}>OK</button>
      </div>
    );
  }
  if (s.kind === 'int8-refused') {
    return (
      <div role="alert" className="banner error" data-testid="model-int8">
        {s.message} <button onClick={() => props.onQuantize(s.name, true)}>Keep one anyway</button> <button onClick={props.onDismiss}>Dismiss</button>
      </div>
    );
  }
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
        {m.int8 ? (
          <>
            <br />
            <span data-testid="int8-result">int8 build: {m.int8.summary}.</span>
          </>
        ) : null}
        {s.int8Refused ? (
          <>
            <br />
            <span data-testid="int8-result">No int8 build: {s.int8Refused}</span>
          </>
        ) : null}
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
