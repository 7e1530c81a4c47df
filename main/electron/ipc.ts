import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS } from '../../preload/ipc-contract.js';
import { dispatch } from '../ipc/dispatch.js';
import type { Handlers } from '../ipc/handlers.js';
import { isAllowedUrl } from './security.js';

/** Registers every contract channel; requests from anything but our own top-level page are refused. */
export function registerIpc(handlers: Handlers, devServerUrl?: string): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) => {
      const frame = event.senderFrame;
      if (!frame || frame.parent !== null || !isAllowedUrl(frame.url, devServerUrl)) {
        return { ok: false, error: { code: 'ERROR_FORBIDDEN_SENDER', message: 'request from an unexpected frame' } };
      }
      return dispatch(handlers, channel, payload);
    });
  }
}
