import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobEvent, RunDetails, StartedJob, UiRow } from '../../preload/ipc-contract';
import { bench, errorText } from './bench';
import { baseName } from './format';
import { SetupScreen } from './screens/SetupScreen';
import { RunScreen, type LiveRun } from './screens/RunScreen';
import { ResultsScreen } from './screens/ResultsScreen';
import { RunsScreen } from './screens/RunsScreen';
import { SweepScreen } from './screens/SweepScreen';

type Screen = 'setup' | 'sweep' | 'run' | 'results' | 'runs';

export function App() {
  const [screen, setScreen] = useState<Screen>('setup');
  const [live, setLive] = useState<LiveRun | null>(null);
  const [details, setDetails] = useState<RunDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  // an s3:// input is listed before its run starts: this says how far the listing has got
  const [listing, setListing] = useState<string | null>(null);

  const loadRun = useCallback(async (runId: string, show: boolean) => {
    try {
      const d = await bench().runs.open(runId);
      setDetails(d);
      if (show) setScreen(d.kind === 'sweep' ? 'sweep' : 'results');
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  const openRun = useCallback((runId: string) => loadRun(runId, true), [loadRun]);

  // Main sends a job's first events (its start, and a fast error row) before run:start / runs:resume has
  // answered; they wait here for that job's live view instead of being dropped.
  const liveJob = useRef<string | null>(null);
  const early = useRef<JobEvent[]>([]);

  useEffect(
    () =>
      bench().jobs.onProgress((e: JobEvent) => {
        if (e.type === 'listing') setListing(e.done ? null : `Listing ${e.input}: ${e.objects.toLocaleString('en-US')} objects, ${e.images.toLocaleString('en-US')} images…`);
        if (e.type !== 'model-import' && e.type !== 'model-int8' && e.jobId !== liveJob.current) early.current = [...early.current.slice(-499), e];
        setLive((cur) => (cur && cur.jobId === e.jobId ? reduce(cur, e) : cur));
        // Results are loaded in the background; the user decides when to look.
        if (e.type === 'end') void loadRun(e.runId, false);
      }),
    [loadRun],
  );

  // The live view starts from what run:start / runs:resume answered (a resume's kept rows included), then
  // catches up with the job's events that came before the answer.
  const startLive = useCallback((job: StartedJob, kind: LiveRun['kind'] = 'run') => {
    const { jobId, runId, total, done, kept, providerRows } = job;
    liveJob.current = jobId;
    const mine = early.current.filter((e) => e.jobId === jobId);
    early.current = [];
    const initial: LiveRun = { jobId, runId, total, done, kept, providerRows, kind, settings: 1, rows: [], providers: kept.map((k) => k.provider), inFlight: {}, ended: null, eta: null };
    setLive(mine.reduce(reduce, initial));
    setScreen('run');
  }, []);

  const nav: [Screen, string][] = [
    ['setup', 'New run'],
    ['sweep', 'Sweep'],
    ['run', 'Progress'],
    ['results', 'Results'],
    ['runs', 'Past runs'],
  ];
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Screens">
        <h1>Upscale Bench</h1>
        {nav.map(([id, label]) => (
          <button key={id} className={screen === id ? 'nav active' : 'nav'} aria-current={screen === id ? 'page' : undefined} onClick={() => setScreen(id)}>
            {label}
            {id === 'run' && live && !live.ended ? <span className="badge">{live.done}/{live.total}</span> : null}
          </button>
        ))}
      </nav>
      <main className="content">
        {error ? (
          <div role="alert" className="banner error">
            {error} <button onClick={() => setError(null)}>Dismiss</button>
          </div>
        ) : null}
        {listing ? (
          <p role="status" className="hint" data-testid="listing">
            {listing}
          </p>
        ) : null}
        {/* Setup stays mounted so the chosen input and options survive a visit to other screens. */}
        <div hidden={screen !== 'setup'}>
          <SetupScreen
            busy={Boolean(live && !live.ended)}
            onStarted={startLive}
            onError={setError}
          />
        </div>
        <div hidden={screen !== 'sweep'}>
          <SweepScreen busy={Boolean(live && !live.ended)} active={screen === 'sweep'} onStarted={(job) => startLive(job, 'sweep')} onError={setError} details={details?.kind === 'sweep' ? details : null} />
        </div>
        {screen === 'run' && <RunScreen live={live} onCancel={(jobId) => bench().jobs.cancel(jobId).catch((e) => setError(errorText(e)))} onOpen={openRun} />}
        {screen === 'results' && <ResultsScreen details={details} onError={setError} />}
        {screen === 'runs' && <RunsScreen onOpen={openRun} onError={setError} onResumed={startLive} />}
      </main>
    </div>
  );
}

function reduce(cur: LiveRun, e: JobEvent): LiveRun {
  switch (e.type) {
    case 'start':
      return { ...cur, total: e.total, done: e.done, kept: e.kept, providerRows: e.providerRows, settings: e.settings, providers: e.providers, runId: e.runId };
    case 'stage':
      return { ...cur, inFlight: { ...cur.inFlight, [e.index]: { name: baseName(e.path), setting: e.setting, stage: e.stage, provider: e.provider } } };
    case 'tile': {
      // a tile always belongs to the upscale of this image by this provider
      const step = { name: baseName(e.path), setting: cur.inFlight[e.index]?.setting, stage: 'upscale', provider: e.provider, tile: { done: e.done, total: e.total, inFlight: e.inFlight } };
      return { ...cur, eta: e.etaSeconds ?? cur.eta, inFlight: { ...cur.inFlight, [e.index]: step } };
    }
    case 'row':
      return { ...cur, done: e.done, eta: e.etaSeconds, rows: [...cur.rows, e.row as UiRow] };
    case 'image-done': {
      const inFlight = { ...cur.inFlight };
      delete inFlight[e.index];
      return { ...cur, done: e.done, inFlight };
    }
    case 'end':
      return { ...cur, ended: e.status, message: e.message, inFlight: {} };
    case 'model-import':
    case 'model-int8':
    case 'listing':
      return cur;
  }
}
