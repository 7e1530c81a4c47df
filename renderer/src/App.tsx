import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobEvent, RunDetails, UiRow } from '../../preload/ipc-contract';
import { bench, errorText } from './bench';
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
  // a job's start event can arrive before the call that started it returns: kept until startLive
  const starts = useRef(new Map<string, JobEvent>());

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

  useEffect(
    () =>
      bench().jobs.onProgress((e: JobEvent) => {
        if (e.type === 'start') starts.current.set(e.jobId, e);
        setLive((cur) => (cur && cur.jobId === e.jobId ? reduce(cur, e) : cur));
        // Results are loaded in the background; the user decides when to look.
        if (e.type === 'end') void loadRun(e.runId, false);
      }),
    [loadRun],
  );

  const startLive = useCallback((jobId: string, runId: string, total: number) => {
    const fresh: LiveRun = { jobId, runId, total, done: 0, rows: [], providers: [], providerRows: {}, settings: 1, stage: 'starting', ended: null, eta: null, tile: null };
    const early = starts.current.get(jobId);
    setLive(early ? reduce(fresh, early) : fresh);
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
        {/* Setup stays mounted so the chosen input and options survive a visit to other screens. */}
        <div hidden={screen !== 'setup'}>
          <SetupScreen
            busy={Boolean(live && !live.ended)}
            onStarted={startLive}
            onError={setError}
          />
        </div>
        <div hidden={screen !== 'sweep'}>
          <SweepScreen busy={Boolean(live && !live.ended)} onStarted={startLive} onError={setError} details={details?.kind === 'sweep' ? details : null} />
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
      return { ...cur, total: e.total, providers: e.providers, providerRows: e.providerRows, settings: e.settings, runId: e.runId };
    case 'stage':
      return { ...cur, stage: `${e.path.split(/[\\/]/).pop()}${e.setting ? ` ${e.setting}` : ''} — ${e.stage}${e.provider ? ` (${e.provider})` : ''}` };
    case 'tile':
      return { ...cur, tile: { done: e.done, total: e.total, provider: e.provider } };
    case 'row':
      return { ...cur, done: e.done, eta: e.etaSeconds, rows: [...cur.rows, e.row as UiRow] };
    case 'end':
      return { ...cur, ended: e.status, message: e.message };
    case 'model-import':
      return cur;
  }
}
