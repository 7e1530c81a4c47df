import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startWebBridge } from '../../scripts/web-bridge.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(ROOT, 'docs', 'screenshots') : undefined;

/** Saves docs/screenshots/<name>.png when UPDATE_SCREENSHOTS is set. */
export const screenshot = async (page: Page, name: string, fullPage = false) => {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
};

/**
 * The built renderer in Debian's Chromium, served by the browser bridge over the real handlers with
 * `work`'s user data and runs folder. Every folder/file prompt is answered with `answer()`.
 */
export async function openApp(work: string, { height, answer }: { height: number; answer: () => string }) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) throw new Error('renderer not built: npm run build');
  const bridge = await startWebBridge({ rendererDir: join(ROOT, 'dist', 'renderer'), userDataDir: join(work, 'user-data'), resultsRoot: join(work, 'runs') });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height }, colorScheme: 'light' });
  page.on('dialog', (d) => void d.accept(answer()));
  await page.goto(bridge.url);
  return {
    bridge,
    page,
    close: async () => {
      await browser.close();
      await bridge.close();
    },
  };
}
