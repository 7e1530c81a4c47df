/**
 * Opens a finished sweep in the app (browser bridge + Chromium) and saves the Sweep screen as a PNG:
 * the README's plot of a real sweep.
 *   npm run build && node --import tsx scripts/sweep-screenshot.ts RUN_DIR OUT.png [TARGET_SSIM]
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startWebBridge } from './web-bridge.js';

const [runDir, out, target] = process.argv.slice(2);
if (!runDir || !out) throw new Error('usage: sweep-screenshot.ts RUN_DIR OUT.png [TARGET_SSIM]');
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const dir = resolve(runDir);
const bridge = await startWebBridge({ rendererDir: join(ROOT, 'dist', 'renderer'), userDataDir: await mkdtemp(join(tmpdir(), 'shot-')), resultsRoot: dirname(dir) });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1010 }, colorScheme: 'light' });
  await page.goto(bridge.url);
  await page.getByRole('button', { name: 'Past runs' }).click();
  await page.getByRole('button', { name: `Open run ${basename(dir)}` }).click();
  await page.locator('.sweep-plot .recharts-scatter-symbol .recharts-symbols').first().waitFor();
  if (target) {
    await page.getByRole('slider', { name: 'Target SSIM' }).fill(target);
    await page.getByTestId('target-value').filter({ hasText: Number(target).toFixed(3) }).waitFor();
  }
  await page.waitForTimeout(400); // let the chart lay out
  await page.screenshot({ path: resolve(out) });
  process.stdout.write(`${resolve(out)}\n${await page.getByTestId('recommendation').textContent()}\n`);
} finally {
  await browser.close();
  await bridge.close();
}
