/**
 * Browser stand-in for the preload, used only by `npm run web`: builds the same `window.bench` on
 * fetch (each call carries the page's token) and server-sent events for progress. Where the app would
 * show a native dialog, the browser asks for a typed path instead.
 */
import { createBenchApi } from '../preload/api';
import type { Channel, JobEvent } from '../preload/ipc-contract';

const DIALOG_PROMPTS: Partial<Record<Channel, (req: any) => string>> = {
  'dialog:pick-input': (req) => (req.kind === 'csv' ? 'Path of a CSV of image paths:' : 'Path of a folder of images:'),
  'dialog:pick-output': () => 'Folder where runs are saved:',
  'dialog:pick-model': () => 'Path of a model file (.pth, .pt, .safetensors, ncnn .param, .onnx):',
  'input:make-csv': () => 'Save the CSV as (path):',
  'export:csv': () => 'Export the CSV to (path):',
  'export:settings-csv': () => 'Export the per-setting table to (path):',
  'export:policy-csv': () => 'Export the per-image policy to (path):',
};

const token = new URLSearchParams(location.search).get('token') ?? '';
if (!('bench' in window)) {
  const listeners = new Set<(e: JobEvent) => void>();
  const events = new EventSource(`/bridge/events?token=${encodeURIComponent(token)}`);
  events.onmessage = (m) => {
    const e = JSON.parse(m.data) as JobEvent;
    for (const l of listeners) l(e);
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bench-token': token }, body: JSON.stringify(body ?? {}) });
    if (!res.ok) return { ok: false, error: { code: 'ERROR_BRIDGE', message: await res.text() } };
    return res.json();
  };
  (window as unknown as { bench: unknown }).bench = createBenchApi(
    async (channel, request) => {
      const ask = DIALOG_PROMPTS[channel];
      if (ask) {
        const answer = window.prompt(ask(request));
        if (!answer) return { ok: true, data: null } as never;
        const r = await post('/bridge/dialog', { path: answer });
        if (!r.ok) return r;
      }
      return post(`/bridge/invoke/${encodeURIComponent(channel)}`, request);
    },
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  );
}
