import type { Channel, IpcResult, JobEvent, Request, Responses, RunRequest, SweepRequest } from './ipc-contract.js';
import type { Target } from '../main/core/results/target.js';

export type Invoke = <C extends Channel>(channel: C, request: Request<C>) => Promise<IpcResult<Responses[C]>>;
export type Subscribe = (listener: (e: JobEvent) => void) => () => void;

export class BenchApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BenchApiError';
  }
}

/**
 * The one object the renderer sees (`window.bench`), grouped by domain. Electron's preload builds it on
 * ipcRenderer; the browser bridge (`npm run web`) builds the same object on fetch, so the app cannot tell.
 */
export function createBenchApi(invoke: Invoke, subscribe: Subscribe) {
  const call = async <C extends Channel>(channel: C, request: Request<C>): Promise<Responses[C]> => {
    const r = await invoke(channel, request);
    if (!r.ok) throw new BenchApiError(r.error.code, r.error.message);
    return r.data;
  };
  return {
    dialogs: {
      pickInput: (kind: 'folder' | 'csv') => call('dialog:pick-input', { kind }),
      pickOutput: () => call('dialog:pick-output', {}),
    },
    inputs: {
      makeCsv: (folder: string) => call('input:make-csv', { folder }),
      /** Header sizes for the time estimate; bounded for huge folders (an even sample). */
      imageSizes: (input: string) => call('input:image-sizes', { input }),
      /** An s3://bucket/prefix as the input: listed in main, its image count returned. */
      s3Prefix: (request: Request<'input:bucket-prefix'>) => call('input:bucket-prefix', request),
    },
    jobs: {
      start: (request: RunRequest) => call('run:start', request),
      cancel: (jobId: string) => call('run:cancel', { jobId }),
      /** Returns the unsubscribe function. */
      onProgress: (listener: (e: JobEvent) => void) => subscribe(listener),
    },
    sweeps: {
      /** Rows and a time range for these settings, before anything runs. */
      plan: (request: SweepRequest) => call('sweep:plan', request),
      start: (request: SweepRequest) => call('sweep:start', request),
      /** The per-setting table (means, frontier) as CSV. */
      exportSettingsCsv: (runId: string) => call('export:settings-csv', { runId }),
      /** Each image's cheapest setting reaching the target, as policy.csv. */
      exportPolicyCsv: (runId: string, target: Target) => call('export:policy-csv', { runId, target }),
    },
    runs: {
      list: () => call('runs:list', {}),
      open: (runId: string) => call('runs:open', { runId }),
      remove: (runId: string) => call('runs:delete', { runId }),
      resume: (runId: string) => call('runs:resume', { runId }),
      exportCsv: (runId: string, rows?: number[]) => call('export:csv', { runId, rows }),
      openFolder: (runId: string) => call('shell:open-folder', { runId }),
    },
    models: {
      list: () => call('models:list', {}),
      pickFile: () => call('dialog:pick-model', {}),
      add: (path: string, opts: { name?: string; force?: boolean; inputRange?: '0-1' | '0-255'; int8?: boolean } = {}) => call('models:add', { path, ...opts }),
      remove: (name: string) => call('models:remove', { name }),
      /** Makes an imported model's int8 build: calibrated, measured against fp32, refused over the bound unless force. */
      quantize: (name: string, opts: { force?: boolean } = {}) => call('models:quantize', { name, ...opts }),
    },
    images: {
      read: (runId: string, row: number, which: 'original' | 'stored' | 'upscaled') => call('image:read', { runId, row, which }),
      /** The row's difference map: Butteraugli's when the row has a Butteraugli score, else the absolute difference. */
      heatmap: (runId: string, row: number) => call('image:heatmap', { runId, row }),
    },
    settings: {
      get: () => call('settings:get', {}),
      set: (patch: Request<'settings:set'>) => call('settings:set', patch),
    },
    aws: {
      testConnection: (request: Request<'aws:test-connection'>) => call('aws:test-connection', request),
      profiles: () => call('aws:profiles', {}),
      keyStatus: () => call('aws:key-status', {}),
      /** The secret goes to main and the OS keychain; it never comes back. */
      setKeys: (keys: Request<'aws:set-keys'>) => call('aws:set-keys', keys),
      clearKeys: () => call('aws:clear-keys', {}),
    },
  };
}

export type BenchApi = ReturnType<typeof createBenchApi>;
