import { useEffect, useState } from 'react';
import type { LocalModelSummary, PickedInput, RunRequest } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';
import { AwsAccount } from '../components/AwsAccount';
import { ModelPicker } from '../components/ModelPicker';

const PROVIDERS = [
  { id: 'local-ai', label: 'Local AI (ESRGAN, offline)' },
  { id: 'bicubic', label: 'Bicubic (baseline)' },
  { id: 'lanczos', label: 'Lanczos (baseline)' },
  { id: 'sagemaker', label: 'SageMaker JumpStart SD x4' },
] as const;


type Provider = (typeof PROVIDERS)[number]['id'];

export function SetupScreen(props: { busy: boolean; onStarted: (jobId: string, runId: string, total: number) => void; onError: (m: string) => void }) {
  const [input, setInput] = useState<PickedInput | null>(null);
  const [output, setOutput] = useState<string | null>(null);
  const [providers, setProviders] = useState<Provider[]>(['local-ai']);
  const [model, setModel] = useState('thick');
  const [int8, setInt8] = useState(false);
  const [factor, setFactor] = useState<1 | 2 | 3 | 4 | 8>(4);
  const [useFit, setUseFit] = useState(false);
  const [format, setFormat] = useState<RunRequest['format']>('original');
  const [quality, setQuality] = useState(90);
  const [store, setStore] = useState<'local' | 's3'>('local');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [endpoint, setEndpoint] = useState('');
  const [connection, setConnection] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [madeCsv, setMadeCsv] = useState<string | null>(null);
  const [models, setModels] = useState<LocalModelSummary[]>([]);

  const loadModels = () => bench().models.list().then(setModels, () => {});
  useEffect(() => {
    void loadModels();
  }, []);
  // A remembered model that has since been removed falls back to the default.
  useEffect(() => {
    if (models.length && !models.some((m) => m.name === model)) setModel('thick');
  }, [models, model]);

  useEffect(() => {
    bench()
      .settings.get()
      .then((s) => {
        const last = s.lastRun;
        if (!last) return;
        if (last.providers?.length) setProviders(last.providers as Provider[]);
        if (last.localModel) setModel(last.localModel);
        if (last.localPrecision) setInt8(last.localPrecision === 'int8');
        if (last.factor) setFactor(last.factor);
        if (last.format) setFormat(last.format);
        if (last.quality) setQuality(last.quality);
      })
      .catch(() => {});
  }, []);

  const pick = async (kind: 'folder' | 'csv') => {
    try {
      const picked = await bench().dialogs.pickInput(kind);
      if (picked) setInput(picked);
    } catch (e) {
      props.onError(errorText(e));
    }
  };
  const toggle = (p: Provider) => setProviders((cur) => (cur.includes(p) ? cur.filter((x) => x !== p) : [...cur, p]));
  const chosen = models.find((m) => m.name === model);
  // the box only counts for a model that has an int8 build
  const precision = int8 && chosen?.int8 ? 'int8' : 'fp32';
  const request: RunRequest = {
    input: input?.path ?? '',
    ...(output ? { output } : {}),
    providers,
    localModel: model,
    localPrecision: precision,
    factor,
    ...(useFit ? { fit: { min: 100, max: 200 } } : {}),
    format,
    quality,
    store,
    ...(store === 's3' ? { bucket, prefix: prefix || undefined, region } : {}),
    ...(providers.includes('sagemaker') ? { endpoint, region } : {}),
  };
  const speed = precision === 'int8' ? chosen?.int8?.mpsX4 : chosen?.mpsX4;
  const expected = input && speed && providers.includes('local-ai') ? estimate(input.count, speed) : null;
  const problems = [
    !input && 'choose a folder or CSV',
    providers.length === 0 && 'choose at least one provider',
    store === 's3' && !bucket && 'name the S3 bucket',
    providers.includes('sagemaker') && !endpoint && 'name the SageMaker endpoint',
  ].filter(Boolean) as string[];

  const start = async () => {
    setStarting(true);
    try {
      await bench().settings.set({ lastRun: { providers, localModel: model, localPrecision: precision, factor, format, quality } });
      const r = await bench().jobs.start(request);
      props.onStarted(r.jobId, r.runId, input?.count ?? 0);
    } catch (e) {
      props.onError(errorText(e));
    } finally {
      setStarting(false);
    }
  };

  const test = async () => {
    setConnection('testing…');
    try {
      const r = await bench().aws.testConnection({ ...(store === 's3' ? { bucket } : {}), ...(providers.includes('sagemaker') ? { endpoint } : {}), region });
      setConnection([r.s3 && `S3: ${r.s3.ok ? '✓' : '✗'} ${r.s3.message}`, r.sagemaker && `SageMaker: ${r.sagemaker.ok ? '✓' : '✗'} ${r.sagemaker.message}`].filter(Boolean).join(' · ') || 'nothing to test');
    } catch (e) {
      setConnection(errorText(e));
    }
  };

  return (
    <section aria-labelledby="setup-title">
      <h2 id="setup-title">New run</h2>
      <fieldset>
        <legend>Images</legend>
        <div className="row">
          <button onClick={() => pick('folder')}>Choose folder…</button>
          <button onClick={() => pick('csv')}>Choose CSV…</button>
          <span className="picked" data-testid="input-summary">
            {input ? `${input.path} — ${input.count} image${input.count === 1 ? '' : 's'}` : 'No input chosen'}
          </span>
          {input?.kind === 'folder' ? (
            <button
              onClick={async () => {
                try {
                  const r = await bench().inputs.makeCsv(input.path);
                  if (r) setMadeCsv(`Wrote ${r.count} paths to ${r.csvPath}`);
                } catch (e) {
                  props.onError(errorText(e));
                }
              }}
            >
              Save as CSV…
            </button>
          ) : null}
        </div>
        {madeCsv ? (
          <p role="status" className="hint" data-testid="made-csv">
            {madeCsv}
          </p>
        ) : null}
        <div className="row">
          <button onClick={async () => setOutput((await bench().dialogs.pickOutput())?.path ?? output)}>Results folder…</button>
          <span className="picked">{output ?? 'Default (Documents/Upscale Bench)'}</span>
        </div>
      </fieldset>

      <fieldset>
        <legend>Providers to compare</legend>
        {PROVIDERS.map((p) => (
          <label key={p.id} className="check">
            <input type="checkbox" checked={providers.includes(p.id)} onChange={() => toggle(p.id)} /> {p.label}
          </label>
        ))}
        {providers.includes('local-ai') && (
          <ModelPicker models={models} value={model} onChange={setModel} onModelsChanged={loadModels}>
            {expected ? <span className="hint" data-testid="estimate"> expected ≈ {expected} on this machine</span> : null}
          </ModelPicker>
        )}
        {providers.includes('local-ai') && chosen?.int8 && (
          <label className="check" title={chosen.int8.summary}>
            <input type="checkbox" checked={int8} onChange={(e) => setInt8(e.target.checked)} data-testid="int8" /> int8 arithmetic —{' '}
            <span className="hint">{chosen.int8.summary}</span>
          </label>
        )}
        {providers.includes('sagemaker') && (
          <div className="row">
            <label>
              Endpoint name <input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="my-upscaler" />
            </label>
            <label>
              Region <input value={region} onChange={(e) => setRegion(e.target.value)} />
            </label>
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>Downscale before storing</legend>
        <div className="row">
          <label>
            Factor{' '}
            <select value={factor} disabled={useFit} onChange={(e) => setFactor(Number(e.target.value) as typeof factor)}>
              {[1, 2, 3, 4, 8].map((f) => (
                <option key={f} value={f}>
                  {f === 1 ? '÷1 — re-encode at full size' : `÷${f}`}
                </option>
              ))}
            </select>
          </label>
          {factor === 1 && !useFit ? <span className="hint">Full size: nothing is upscaled; the re-encoded copy is scored as it is (provider none).</span> : null}
          <label className="check">
            <input type="checkbox" checked={useFit} onChange={(e) => setUseFit(e.target.checked)} /> Fit longest side to 100–200 px (as the original sample)
          </label>
          <label>
            Format{' '}
            <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
              {['original', 'jpeg', 'webp', 'avif', 'png'].map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          </label>
          <label>
            Quality <input type="number" min={1} max={100} value={quality} onChange={(e) => setQuality(Number(e.target.value))} />
          </label>
        </div>
      </fieldset>

      <fieldset>
        <legend>Store</legend>
        <label className="check">
          <input type="radio" name="store" checked={store === 'local'} onChange={() => setStore('local')} /> Local folder (in the run's results)
        </label>
        <label className="check">
          <input type="radio" name="store" checked={store === 's3'} onChange={() => setStore('s3')} /> S3 bucket
        </label>
        {store === 's3' && (
          <div className="row">
            <label>
              Bucket <input value={bucket} onChange={(e) => setBucket(e.target.value)} />
            </label>
            <label>
              Prefix <input value={prefix} onChange={(e) => setPrefix(e.target.value)} />
            </label>
            <label>
              Region <input value={region} onChange={(e) => setRegion(e.target.value)} />
            </label>
          </div>
        )}
        {(store === 's3' || providers.includes('sagemaker')) && (
          <div className="row">
            <button onClick={test}>Test connection</button>
            <span role="status">{connection}</span>
          </div>
        )}
      </fieldset>

      {(store === 's3' || providers.includes('sagemaker')) && <AwsAccount onError={props.onError} />}

      <div className="row">
        <button className="primary" disabled={problems.length > 0 || starting || props.busy} onClick={start}>
          {props.busy ? 'A run is in progress' : 'Start run'}
        </button>
        {problems.length ? <span className="hint">To start: {problems.join(', ')}.</span> : null}
      </div>
    </section>
  );
}

/** Typical 0.3 MP photos at x4 on 2 cores, at the model's measured speed. */
function estimate(count: number, mps: number): string {
  const seconds = (count * 0.3) / mps;
  return seconds < 90 ? `${Math.round(seconds)} s for ${count} typical 0.3 MP images` : `${Math.round(seconds / 60)} min for ${count} typical 0.3 MP images`;
}
