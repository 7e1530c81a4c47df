import { app, BrowserWindow, dialog, shell } from 'electron';
import { join } from 'node:path';
import { EVENT_CHANNEL } from '../../preload/ipc-contract.js';
import { setUserDataDir } from '../core/paths.js';
import { createHandlers } from '../ipc/handlers.js';
import type { Host } from '../ipc/host.js';
import { registerIpc } from './ipc.js';
import { KeychainSecretStore } from './secret-store.js';
import { hardenApp } from './security.js';
import { createMainWindow } from './window.js';

// Set only by `npm run dev`; a packaged app always loads its own files.
const devServerUrl = app.isPackaged ? undefined : process.env.VITE_DEV_SERVER_URL;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (!app.requestSingleInstanceLock()) app.quit();
// The engine computes the same folder for the CLI; Electron's own answer wins (dev runs, a custom name).
setUserDataDir(app.getPath('userData'));
hardenApp(devServerUrl);

let win: BrowserWindow | undefined;
const host: Host = {
  userDataDir: app.getPath('userData'),
  defaultResultsRoot: join(app.getPath('documents'), 'Upscale Bench'),
  async pickFolder(title) {
    const r = await dialog.showOpenDialog(win!, { title, properties: ['openDirectory', 'createDirectory'] });
    return r.canceled ? null : r.filePaths[0];
  },
  async pickCsv() {
    const r = await dialog.showOpenDialog(win!, { title: 'Choose a CSV of image paths', properties: ['openFile'], filters: [{ name: 'CSV', extensions: ['csv'] }] });
    return r.canceled ? null : r.filePaths[0];
  },
  async pickSaveCsv(defaultPath) {
    const r = await dialog.showSaveDialog(win!, { defaultPath, filters: [{ name: 'CSV', extensions: ['csv'] }], properties: ['showOverwriteConfirmation'] });
    return r.canceled || !r.filePath ? null : r.filePath;
  },
  async pickModelFile() {
    const r = await dialog.showOpenDialog(win!, {
      title: 'Choose a super-resolution model',
      properties: ['openFile'],
      filters: [{ name: 'Models (PyTorch, safetensors, ncnn, ONNX)', extensions: ['pth', 'pt', 'safetensors', 'param', 'onnx'] }],
    });
    return r.canceled ? null : r.filePaths[0];
  },
  async openFolder(path) {
    return (await shell.openPath(path)) === '';
  },
  emit(event) {
    win?.webContents.send(EVENT_CHANNEL, event);
  },
  secrets: new KeychainSecretStore(app.getPath('userData')),
};
const handlers = createHandlers(host);

app.on('second-instance', () => {
  if (win?.isMinimized()) win.restore();
  win?.focus();
});
app.on('window-all-closed', () => app.quit());
// Quitting while a tile runs inside onnxruntime would abort the process: cancel, let the tile end, then quit.
let disposed = false;
app.on('before-quit', (e) => {
  if (disposed) return;
  e.preventDefault();
  void handlers.dispose().finally(() => {
    disposed = true;
    app.quit();
  });
});

app.whenReady().then(() => {
  registerIpc(handlers, devServerUrl);
  win = createMainWindow(devServerUrl);
});
