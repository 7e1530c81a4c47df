import { type ReactNode, useEffect, useState } from 'react';
import type { LocalModelSummary, PickedInput, RunDetails, StartedJob, SweepPlan, SweepRequest } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';
import { InputPicker } from '../components/InputPicker';
import { SweepResults, summaryTarget } from '../components/SweepResults';
import { DEFAULT_METRICS } from '../../../main/core/metrics/metric-names';
import { type At, DEFAULT_TARGET, type Target, type TargetMetric, atMeaning, scoredBy, withAt } from '../../../main/core/results/target';
import type { GroupBy } from '../../../main/core/inputs/groups';
import { GroupByChoice } from '../components/GroupByChoice';
import { METRICS, metricDef } from '../metrics';
import { targetHelp } from '../metric-target';
import { duration } from '../format';

const FACTORS = [1, 2, 3, 4, 8] as const;
const FORMATS = ['webp', 'jpeg', 'avif', 'png'] as const;
const QUALITIES = [30, 50, 65, 80, 90, 95] as const;
const PROVIDERS = [
  { id: 'local-ai', label: 'Local AI' },
  { id: 'bicubic', label: 'Bicubic' },
  { id: 'lanczos', label: 'Lanczos' },
  { id: 'sagemaker', label: 'SageMaker JumpStart SD x4' },
] as const;
type Provider = (typeof PROVIDERS)[number]['id'];

/** Adds or removes `x`, keeping the list in the order of `all`. */
const toggled = <T,>(list: T[], x: T, all: readonly T[]) => all.filter((v) => (v === x ? !list.includes(x) : list.includes(v)));

/** One axis of the grid: a checkbox for each of `all`, the ticked ones kept in `all`'s order. */
function CheckGroup<T extends string | number>(props: {
  name: string;
  heading?: string;
  all: readonly T[];
  chosen: T[];
  onChange: (update: (current: T[]) => T[]) => void;
  text: (v: T) => string;
  children?: ReactNode;
}) {
  return (
    <div className="row" role="group" aria-label={props.name}>
      {props.heading ? <strong>{props.heading}</strong> : null}
      {props.all.map((v) => (
        <label key={v} className="check">
          <input type="checkbox" checked={props.chosen.includes(v)} onChange={() => props.onChange((c) => toggled(c, v, props.all))} /> {props.text(v)}
        </label>
      ))}
      {props.children}
    </div>
  );
}

/**
 * Qualities typed as a list ("10, 20"): the numbers, or what is wrong with the text in plain words.
 * The checkboxes offer the usual ones; any from 1 to 100 can be typed.
 */
export function parseQualities(text: string): { qualities: number[]; error: string | null } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const qualities: number[] = [];
  for (const p of parts) {
    const q = Number(p);
    if (!/^\d+$/.test(p)) return { qualities: [], error: `“${p}” is not a whole number: type qualities from 1 to 100, separated by commas.` };
    if (q < 1 || q > 100) return { qualities: [], error: `Qualities go from 1 to 100; ${p} is ${q < 1 ? 'too low' : 'too high'}.` };
    qualities.push(q);
  }
  return { qualities, error: null };
}

/** Choose the grid, see how many rows and how long, start; below, the last sweep's answer. */
export function SweepScreen(props: { busy: boolean; active?: boolean; details: RunDetails | null; onStarted: (job: StartedJob) => void; onError: (m: string) => void }) {
  const [input, setInput] = useState<PickedInput | null>(null);
  const [factors, setFactors] = useState<number[]>([1, 2, 4]);
  const [formats, setFormats] = useState<string[]>(['webp', 'jpeg']);
  const [checkedQualities, setQualities] = useState<number[]>([50, 80, 95]);
  const [otherQualities, setOtherQualities] = useState('');
  const typed = parseQualities(otherQualities);
  const qualities = [...new Set([...checkedQualities, ...typed.qualities])].sort((a, b) => a - b);
  const [providers, setProviders] = useState<Provider[]>(['bicubic', 'local-ai']);
  const [models, setModels] = useState<LocalModelSummary[]>([]);
  const [model, setModel] = useState<string>('thick');
  const [endpoint, setEndpoint] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [target, setTarget] = useState<Target>(DEFAULT_TARGET);
  const [groupBy, setGroupBy] = useState<GroupBy | undefined>(undefined);
  const [butteraugli, setButteraugli] = useState(false);
  const [plan, setPlan] = useState<SweepPlan | string | null>(null);
  const [starting, setStarting] = useState(false);
  const [showSetup, setShowSetup] = useState(true);

  // read again each time the screen is shown: a model added on New run (or by the CLI) is offered at once
  useEffect(() => {
    if (props.active !== false) bench().models.list().then(setModels, () => {});
  }, [props.active]);
  // a finished sweep arriving (or one opened from past runs) shows its answer first
  useEffect(() => {
    if (props.details) setShowSetup(false);
  }, [props.details?.runId]);

  const request: SweepRequest = {
    input: input?.path ?? '',
    ...(input?.sample ? { sample: input.sample } : {}),
    providers,
    localModel: model as SweepRequest['localModel'],
    factors: factors as SweepRequest['factors'],
    formats: formats as SweepRequest['formats'],
    qualities,
    // a mean target is written without `at`, as the CLI writes it
    target: withAt(target, target.at),
    ...(groupBy ? { groupBy } : {}),
    // Butteraugli is opt-in (it costs about four SSIMULACRA2s); a target on it needs it scored
    ...(butteraugli || scoredBy(target.metric) === 'butteraugli' ? { metrics: [...DEFAULT_METRICS, 'butteraugli'] } : {}),
    ...(providers.includes('sagemaker') ? { endpoint, region } : {}),
  };
  const upscaling = factors.some((f) => f !== 1);
  const problems = [
    !input && 'choose a folder or CSV',
    !factors.length && 'tick at least one factor',
    !formats.length && 'tick at least one format',
    !qualities.length && formats.some((f) => f !== 'png') && 'tick or type at least one quality',
    typed.error && 'correct the typed qualities',
    qualities.length > 12 && `choose at most 12 qualities (${qualities.length} now)`,
    upscaling && !providers.length && 'tick at least one provider',
    providers.includes('sagemaker') && !endpoint && 'name the SageMaker endpoint',
  ].filter(Boolean) as string[];
  const key = JSON.stringify(request);

  useEffect(() => {
    if (problems.length) return setPlan(null);
    let live = true;
    const t = setTimeout(() => {
      bench()
        .sweeps.plan(request)
        .then((p) => live && setPlan(p))
        .catch((e) => live && setPlan(errorText(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [key]);

  const start = async () => {
    setStarting(true);
    try {
      // without a factor above 1 nothing is upscaled: the request still needs a provider, none is used
      const r = await bench().sweeps.start(upscaling || providers.length ? request : { ...request, providers: ['bicubic'] });
      props.onStarted(r);
    } catch (e) {
      props.onError(errorText(e));
    } finally {
      setStarting(false);
    }
  };

  return (
    <section aria-labelledby="sweep-title">
      <div className="row">
        <h2 id="sweep-title">Sweep: which storage setting?</h2>
        <span className="spacer" />
        {props.details ? (
          <button aria-expanded={showSetup} onClick={() => setShowSetup((s) => !s)}>
            {showSetup ? 'Hide setup' : 'New sweep…'}
          </button>
        ) : null}
      </div>
      <div hidden={!showSetup}>
        <p className="hint">
          Every image is stored once per factor × format × quality; every provider upscales every stored copy. Factor 1 re-encodes at full size and is scored as it is (provider
          none): the recompress-only baseline.
        </p>
        <fieldset>
          <legend>Images</legend>
          <InputPicker input={input} testId="sweep-input" onPicked={setInput} onError={props.onError} />
          <div className="row">
            <GroupByChoice value={groupBy} onChange={setGroupBy} />
            <span className="hint">answers per group as well as overall (the group picker beside the results)</span>
          </div>
        </fieldset>
        <fieldset>
          <legend>Settings to try</legend>
          <CheckGroup name="Factors" heading="Factor" all={FACTORS} chosen={factors} onChange={setFactors} text={(f) => (f === 1 ? '÷1 (full size)' : `÷${f}`)} />
          <CheckGroup name="Formats" heading="Format" all={FORMATS} chosen={formats} onChange={setFormats} text={(f) => f} />
          <CheckGroup name="Qualities" heading="Quality" all={QUALITIES} chosen={checkedQualities} onChange={setQualities} text={(q) => `q${q}`}>
            <label>
              others{' '}
              <input
                className="qualities"
                value={otherQualities}
                onChange={(e) => setOtherQualities(e.target.value)}
                placeholder="e.g. 10, 20"
                aria-label="Other qualities"
                aria-invalid={typed.error ? true : undefined}
                aria-describedby={typed.error ? 'qualities-error' : undefined}
              />
            </label>
            <span className="hint">(any from 1 to 100; PNG is lossless and ignores them)</span>
          </CheckGroup>
          {typed.error ? (
            <p className="field-error" id="qualities-error" role="alert">
              {typed.error}
            </p>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>Providers (for factors above 1)</legend>
          <CheckGroup name="Providers" all={PROVIDERS.map((p) => p.id)} chosen={providers} onChange={setProviders} text={(id) => PROVIDERS.find((p) => p.id === id)!.label} />
          {providers.includes('local-ai') && (
            <label>
              Model{' '}
              <select value={model} onChange={(e) => setModel(e.target.value)} aria-label="Sweep model">
                {models.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name} — {m.summary}
                  </option>
                ))}
              </select>
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
        <div className="row">
          <label>
            Target{' '}
            <select aria-label="Target statistic" value={target.at ?? 'mean'} title={atMeaning(target.at ?? 'mean')} onChange={(e) => setTarget(withAt(target, e.target.value as At))}>
              {(['mean', 'median', 'p25', 'p10', 'p5'] as const).map((a) => (
                <option key={a} value={a} title={atMeaning(a)}>
                  {a}
                </option>
              ))}
            </select>{' '}
            <select aria-label="Target metric" value={target.metric} onChange={(e) => setTarget(withAt({ metric: e.target.value as TargetMetric, value: metricDef(e.target.value as TargetMetric).defaultTarget }, target.at))}>
              {METRICS.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.label}
                </option>
              ))}
            </select>{' '}
            {metricDef(target.metric).higherIsBetter ? '≥' : '≤'}{' '}
            <input type="number" step={metricDef(target.metric).step * 10} value={target.value} onChange={(e) => setTarget({ ...target, value: Number(e.target.value) })} aria-label="Target value" />
          </label>
          <label className="check">
            <input type="checkbox" checked={butteraugli || scoredBy(target.metric) === 'butteraugli'} disabled={scoredBy(target.metric) === 'butteraugli'} onChange={(e) => setButteraugli(e.target.checked)} /> Also score Butteraugli (slower)
          </label>
          <span className="hint target-help">{targetHelp(metricDef(target.metric), target.at ?? 'mean')}</span>
          <span className="hint" data-testid="sweep-plan" role="status">
            {typeof plan === 'string'
              ? plan
              : plan
                ? `${plan.images} images × ${plan.settings} settings = ${plan.rows} rows · estimated ${duration(plan.low)}–${duration(plan.high)}`
                : ''}
          </span>
        </div>
        {plan && typeof plan !== 'string' && plan.reasons.length ? <p className="hint">{plan.reasons.join('; ')}</p> : null}
        <div className="row">
          <button className="primary" disabled={problems.length > 0 || starting || props.busy} onClick={start}>
            {props.busy ? 'A run is in progress' : 'Start sweep'}
          </button>
          {problems.length ? <span className="hint">To start: {problems.join(', ')}.</span> : null}
        </div>
      </div>
      {props.details ? <SweepResults details={props.details} initialTarget={summaryTarget(props.details.summary)} onError={props.onError} /> : !showSetup ? null : null}
    </section>
  );
}
