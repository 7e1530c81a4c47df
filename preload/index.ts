import { contextBridge, ipcRenderer } from 'electron';
import { createBenchApi } from './api.js';
import { EVENT_CHANNEL } from './channels.js';
import type { JobEvent } from './ipc-contract.js';

// Only these two ipcRenderer uses exist: invoke on contract channels and one progress event channel.
const bench = createBenchApi(
  (channel, request) => ipcRenderer.invoke(channel, request),
  (listener) => {
    const wrapped = (_e: unknown, payload: JobEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.off(EVENT_CHANNEL, wrapped);
    };
  },
);

contextBridge.exposeInMainWorld('bench', bench);
