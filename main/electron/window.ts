import { BrowserWindow } from 'electron';
import { fileURLToPath } from 'node:url';

export function createMainWindow(devServerUrl?: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Upscale Bench',
    webPreferences: {
      // PRELOAD_JS_CHECK asks for a review of any preload. Reviewed: it is our own bundled file that exposes
      // one typed object through contextBridge, with contextIsolation and the sandbox on.
      preload: fileURLToPath(new URL('../../preload/index.cjs', import.meta.url)), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(fileURLToPath(new URL('../../renderer/index.html', import.meta.url)));
  return win;
}
