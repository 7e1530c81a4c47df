import { useEffect, useMemo, useState } from 'react';
import type { ImageSizes, LocalModelSummary, PickedInput, RunRequest, StartedJob } from '../../../preload/ipc-contract';
import { type EstimateProvider, estimateRun } from '../../../main/core/pipeline/estimate';
import { bench, errorText } from '../bench';
import { AwsAccount } from '../components/AwsAccount';
import { type SageMakerFields, SageMakerOptions } from '../components/SageMakerOptions';
import { InputPicker } from '../components/InputPicker';
import { durationRange } from '../format';
import { parseQuality, validateSetup } from '../setup-form';
import { ModelPicker } from '../components/ModelPicker';
import { GroupByChoice } from '../components/GroupByChoice';
import type { GroupBy } from '../../../main/core/inputs/groups';

const PROVIDERS = [
  { id: 'local-ai', label: 'Local AI (ESRGAN, offline)' },
  { id: 'bicubic', label: 'Bicubic (baseline)' },
  { id: 'lanczos', label: 'Lanczos (baseline)' },
  { id: 'sagemaker', label: 'SageMaker JumpStart SD x4' },
] as const;


type Provider = (typeof PROVIDERS)[number]['id'];

export function SetupScreen(props: { busy: boolean; onStarted: (job: StartedJob) => void; onError: (m: string) => void }) {
  const [input, setInput] = useState<PickedInput | null>(null);
  const [groupBy, setGroupBy] = useState<GroupBy | undefined>(undefined);
  const [output, setOutput] = useState<string | null>(null);
  const [providers, setProviders] = useState<Provider[]>(['local-ai']);
  const [model, setModel] = useState('thick');
  const [int8, setInt8] = useState(false);
  const [factor, setFactor] = useState<1 | 2 | 3 | 4 | 8>(4);
  const [useFit, setUseFit] = useState(false);
  const [format, setFormat] = useState<RunRequest['format']>('original');
  const [qualityText, setQualityText] = useState('90');
  const [store, setStore] = useState<'local' | 's3'>('local');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [endpoint, setEndpoint] = useState('');
  const [sagemaker, setSagemaker] = useState<{ fields: SageMakerFields; ok: boolean }>({ fields: {}, ok: true });
  const [connection, setConnection] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [madeCsv, setMadeCsv] = useState<string | null>(null);
  const [models, setModels] = useState<LocalModelSummary[]>([]);
  const [sizes, setSizes] = useState<ImageSizes | 'reading' | null>(null);
  const [resultsFolder, setResultsFolder] = useState<{ path: string; isDefault: boolean } | null>(null);

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
        setResultsFolder({ path: s.resultsFolder, isDefault: s.resultsFolderIsDefault });
        const last = s.lastRun;
        if (!last) return;
        if (last.providers?.length) setProviders(last.providers as Provider[]);
        if (last.localModel) setModel(last.localModel);
        if (last.localPrecision) setInt8(last.localPrecision === 'int8');
        if (last.factor) setFactor(last.factor);
        if (last.format) setFormat(last.format);
        if (last.quality) setQualityText(String(last.quality));
      })
      .catch(() => {});
  }, []);

  const picked = (chosen: PickedInput) => {
    setInput(chosen);
    // sizes come from the images' headers, after the count is already on screen
    setSizes('reading');
    bench()
      .inputs.imageSizes(chosen.path)
      .then(setSizes, () => setSizes(null));
  };
  const toggle = (p: Provider) => setProviders((cur) => (cur.includes(p) ? cur.filter((x) => x !== p) : [...cur, p]));
  const chosen = models.find((m) => m.name === model);
  // the box only counts for a model that has an int8 build
  const precision = int8 && chosen?.int8 ? 'int8' : 'fp32';
  const quality = parseQuality(qualityText) ?? 90;
  const fieldErrors = validateSetup({ quality: qualityText, format: format ?? 'original', store, bucket, prefix, region, sagemaker: providers.includes('sagemaker'), endpoint });
  const request: RunRequest = {
    input: input?.path ?? '',
    ...(input?.sample ? { sample: input.sample } : {}),
    ...(groupBy ? { groupBy } : {}),
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
    ...(providers.includes('sagemaker') ? { endpoint, region, ...sagemaker.fields } : {}),
  };
  // a sample runs N of the input's images
  const runCount = input ? Math.min(input.count, input.sample?.n ?? Infinity) : 0;
  const estimate = useMemo(() => {
    if (!input || sizes === 'reading' || providers.length === 0) return null;
    // a one-scale model runs at its own scale; the build that runs brings its speed (none until measured)
    const speed = (precision === 'int8' ? chosen?.int8?.speed : undefined) ?? chosen?.speed;
    const specs: EstimateProvider[] = providers.map((p) => (p === 'local-ai' ? { name: p, model, scales: chosen?.scales ?? [2, 3, 4, 8], ...(speed ? { speed } : {}) } : { name: p }));
    const cores = navigator.hardwareConcurrency || 2;
    const total = Math.min(sizes?.total ?? input.count, input.sample?.n ?? Infinity);
    return estimateRun({ total, sizes: sizes?.sizes ?? [] }, { providers: specs, factor, ...(useFit ? { fit: { min: 100, max: 200 } } : {}), cores, concurrency: cores });
  }, [input, sizes, providers, model, chosen, precision, factor, useFit]);
  const problems = [
    !input && 'choose a folder or CSV',
    providers.length === 0 && 'choose at least one provider',
    (Object.keys(fieldErrors).length > 0 || (providers.includes('sagemaker') && !sagemaker.ok)) && 'correct the marked fields',
  ].filter(Boolean) as string[];

  const start = async () => {
    setStarting(true);
    try {
      await bench().settings.set({ lastRun: { providers, localModel: model, localPrecision: precision, factor, format, quality } });
      const r = await bench().jobs.start(request);
      props.onStarted(r);
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
        <InputPicker input={input} testId="input-summary" onPicked={picked} onError={props.onError}>
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
        </InputPicker>
        {madeCsv ? (
          <p role="status" className="hint" data-testid="made-csv">
            {madeCsv}
          </p>
        ) : null}
        <div className="row">
          <GroupByChoice value={groupBy} onChange={setGroupBy} />
          <span className="hint">answers per group as well as overall (the group picker on Results)</span>
        </div>
        <div className="row">
          <button onClick={async () => setOutput((await bench().dialogs.pickOutput())?.path ?? output)}>Results folder…</button>
          <span className="picked" data-testid="results-folder">
            {output ?? (resultsFolder ? `${resultsFolder.path}${resultsFolder.isDefault ? ' (default)' : ''}` : '…')}
          </span>
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
          <ModelPicker models={models} value={model} onChange={setModel} onModelsChanged={loadModels} />
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
              Endpoint name <input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="my-upscaler" aria-invalid={fieldErrors.endpoint ? true : undefined} aria-describedby={fieldErrors.endpoint ? 'endpoint-error' : undefined} />
            </label>
            {fieldErrors.endpoint ? <FieldError id="endpoint-error" text={fieldErrors.endpoint} /> : null}
            {store !== 's3' ? (
              <>
                <label>
                  Region <input value={region} onChange={(e) => setRegion(e.target.value)} aria-invalid={fieldErrors.region ? true : undefined} aria-describedby={fieldErrors.region ? 'region-error' : undefined} />
                </label>
                {fieldErrors.region ? <FieldError id="region-error" text={fieldErrors.region} /> : null}
              </>
            ) : null}
          </div>
        )}
        {providers.includes('sagemaker') && <SageMakerOptions onChange={(fields, ok) => setSagemaker({ fields, ok })} />}
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
            Quality{' '}
            <input
              type="number"
              min={1}
              max={100}
              step={1}
              disabled={format === 'png'}
              title={format === 'png' ? 'PNG is lossless: quality does not apply' : 'For JPEG, WebP and AVIF (and an original in one of them)'}
              value={qualityText}
              onChange={(e) => setQualityText(e.target.value)}
              aria-invalid={fieldErrors.quality ? true : undefined}
              aria-describedby={fieldErrors.quality ? 'quality-error' : undefined}
            />
          </label>
          {fieldErrors.quality ? <FieldError id="quality-error" text={fieldErrors.quality} /> : null}
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
              Bucket <input value={bucket} onChange={(e) => setBucket(e.target.value)} aria-invalid={fieldErrors.bucket ? true : undefined} aria-describedby={fieldErrors.bucket ? 'bucket-error' : undefined} />
            </label>
            {fieldErrors.bucket ? <FieldError id="bucket-error" text={fieldErrors.bucket} /> : null}
            <label>
              Prefix <input value={prefix} onChange={(e) => setPrefix(e.target.value)} aria-invalid={fieldErrors.prefix ? true : undefined} />
            </label>
            {fieldErrors.prefix ? <FieldError id="prefix-error" text={fieldErrors.prefix} /> : null}
            <label>
              Region <input value={region} onChange={(e) => setRegion(e.target.value)} aria-invalid={fieldErrors.region ? true : undefined} aria-describedby={fieldErrors.region ? 'region-error' : undefined} />
            </label>
            {fieldErrors.region ? <FieldError id="region-error" text={fieldErrors.region} /> : null}
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

      <p className="estimate" data-testid="estimate" title={estimate?.reasons.join('; ')}>
        {!input ? null : sizes === 'reading' ? (
          'Reading image sizes…'
        ) : estimate ? (
          <>
            Expected time: <strong>{durationRange(estimate.low, estimate.high)}</strong> for {runCount} image{runCount === 1 ? '' : 's'}
            {estimate.megapixels > 0 ? ` (${estimate.megapixels < 10 ? estimate.megapixels.toFixed(1) : Math.round(estimate.megapixels)} MP)` : ''}
            {estimate.reasons.length ? <span className="hint"> — {estimate.reasons.join('; ')}</span> : null}
          </>
        ) : null}
      </p>
      <div className="row">
        <button className="primary" disabled={problems.length > 0 || starting || props.busy} onClick={start}>
          {props.busy ? 'A run is in progress' : 'Start run'}
        </button>
        {problems.length ? <span className="hint">To start: {problems.join(', ')}.</span> : null}
      </div>
    </section>
  );
}

function FieldError({ id, text }: { id: string; text: string }) {
  return (
    <span id={id} className="field-error" role="alert">
      {text}
    </span>
  );
}
