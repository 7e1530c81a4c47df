/**
 * The built renderer in Debian's Chromium, talking through the browser bridge to the real handlers.
 * `UPDATE_SCREENSHOTS=1 npx vitest run test/e2e` refreshes docs/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openApp, screenshot } from '../helpers/e2e.js';
import { fixture } from '../helpers/images.js';
import { writeTinyNcnn } from '../helpers/tiny-models.js';

let app: Awaited<ReturnType<typeof openApp>>;
let page: Page;
let work: string;
let photos: string;
let nextAnswer = '';

const shot = async (name: string) => {
  await screenshot(page, name);
};

/** The setup screen (the sweep screen, mounted beside it, has its own model picker). */
const setup = () => page.locator('section[aria-labelledby="setup-title"]');

/** The setup screen's estimate in seconds: "about 40 s", or "1 min 10 s – 2 min". */
const estimateSeconds = async () => {
  const text = (await page.getByTestId('estimate').textContent()) ?? '';
  const span = /Expected time: (.+?) for /.exec(text)?.[1] ?? '';
  const secs = (d: string) => {
    const h = /(\d+) h/.exec(d)?.[1] ?? 0;
    const m = /(\d+) min/.exec(d)?.[1] ?? 0;
    const s = /(\d+) s/.exec(d)?.[1] ?? 0;
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  };
  const [low, high] = span.startsWith('about ') ? [secs(span), secs(span)] : span.split(' – ').map(secs);
  return { low, high };
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'e2e-'));
  photos = join(work, 'photos');
  for (const f of ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png']) await cp(fixture('photos', f), join(photos, f));
  await cp(fixture('corpus', 'text-named.jpg'), join(photos, 'broken.jpg'));
  // The bridge runs the handlers in this process: its model library is a fresh folder of this test's.
  process.env.UPSCALE_BENCH_MODELS = join(work, 'models');
  await writeTinyNcnn(work, 'my-upscaler-x2');
  await writeFile(join(work, 'notes.pth'), 'not a model\n');
  app = await openApp(work, { height: 800, answer: () => nextAnswer });
  page = app.page;
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('the app in Chromium', () => {
  // Tests that run or import a model take their own time limit, no shorter than the waits inside them:
  // a busy machine (CI beside other jobs) stretches that work several times over.
  it('picks a folder and shows the image count, the real results folder and an estimate from the images’ sizes', async () => {
    await expect.poll(() => page.getByTestId('results-folder').textContent()).toBe(`${join(work, 'runs')} (default)`);
    nextAnswer = photos;
    await page.getByRole('button', { name: 'Choose folder…' }).click();
    await expect.poll(() => page.getByTestId('input-summary').textContent()).toMatch(/5 images$/);
    // four photos of 0.14–0.27 MP (0.9 MP) and one file that is not an image
    await expect.poll(() => page.getByTestId('estimate').textContent()).toMatch(/^Expected time: .+ for 5 images \(0\.9 MP\) — 1 image with an unreadable header/);
    // thick offers int8 with its measured cost, and the estimate follows the choice
    const fp32 = await estimateSeconds();
    expect(fp32.high).toBeGreaterThan(fp32.low);
    await page.getByTestId('int8').check();
    await expect.poll(async () => (await estimateSeconds()).low).toBeLessThan(fp32.low);
    await shot('setup');
    await page.getByTestId('int8').uncheck();
    await setup().getByLabel('Local model').selectOption('slim');
    await expect.poll(() => page.getByTestId('int8').count()).toBe(0);
    await expect.poll(async () => (await estimateSeconds()).high).toBeLessThan(fp32.low);
    await setup().getByLabel('Local model').selectOption('thick');
    nextAnswer = join(work, 'list.csv');
    await page.getByRole('button', { name: 'Save as CSV…' }).click();
    await expect.poll(() => page.getByTestId('made-csv').textContent()).toBe(`Wrote 5 paths to ${nextAnswer}`);
    expect(readFileSync(nextAnswer, 'utf8').split('\n')[0]).toBe('image_path');
  });

  it('checks the quality in the form, in plain words, with Start disabled', async () => {
    const quality = page.getByRole('spinbutton', { name: 'Quality' });
    await quality.fill('150');
    await expect.poll(() => page.locator('#quality-error').textContent()).toBe('Quality goes from 1 to 100; 150 is too high.');
    expect(await page.getByRole('button', { name: 'Start run' }).isDisabled()).toBe(true);
    expect(await page.getByRole('alert').allTextContents()).not.toContain(expect.stringMatching(/expected|Too big|lastRun/));
    await shot('setup-invalid');
    await quality.fill('90');
    await expect.poll(() => page.locator('#quality-error').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Start run' }).isDisabled()).toBe(false);
  });

  it('adds a model file, shows it in the picker with its scale, and removes it after asking', async () => {
    nextAnswer = join(work, 'notes.pth');
    await page.getByRole('button', { name: 'Add model…' }).click();
    await expect.poll(() => page.getByTestId('model-import').textContent(), { timeout: 30_000 }).toMatch(/^not a model: notes\.pth is none of the known formats/);
    await page.getByRole('button', { name: 'Dismiss' }).click();

    nextAnswer = join(work, 'my-upscaler-x2.param');
    await page.getByRole('button', { name: 'Add model…' }).click();
    await expect.poll(() => page.getByTestId('model-import').textContent(), { timeout: 30_000 }).toMatch(/^Added my-upscaler-x2 in [\d.]+ s: ncnn .* x2, .*parameters, licence unknown/);
    await expect.poll(() => setup().getByLabel('Local model').inputValue(), { timeout: 10_000 }).toBe('my-upscaler-x2');
    expect(await setup().getByLabel('Local model').locator('option:checked').textContent()).toMatch(/^my-upscaler-x2 — x2 ncnn .*, imported$/);
    await shot('setup-model');

    // the same file again: the name is taken, and the app offers to replace it
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('button', { name: 'Add model…' }).click();
    await expect.poll(() => page.getByTestId('model-import').textContent(), { timeout: 30_000 }).toMatch(/already in the library/);
    await page.getByRole('button', { name: 'Replace it' }).click();
    await expect.poll(() => page.getByTestId('model-import').textContent(), { timeout: 30_000 }).toMatch(/^Added my-upscaler-x2/);

    await page.getByRole('button', { name: 'Remove…' }).click();
    await expect.poll(() => page.getByTestId('confirm-remove').textContent()).toMatch(/Remove my-upscaler-x2 from the library\?/);
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect(await readdir(join(work, 'models'))).toEqual(['my-upscaler-x2']);
    await page.getByRole('button', { name: 'Remove…' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => setup().getByLabel('Local model').inputValue(), { timeout: 10_000 }).toBe('thick');
    await expect.poll(() => setup().getByLabel('Local model').locator('option').count(), { timeout: 10_000 }).toBe(3);
    expect(await readdir(join(work, 'models'))).toEqual([]);

    // An ONNX file cannot say its pixel range: the result says which was assumed and offers the other.
    nextAnswer = join(work, 'pixels-255.onnx');
    await cp(join(ROOT, 'models', 'esrgan-slim-x2.onnx'), nextAnswer);
    await page.getByRole('button', { name: 'Add model…' }).click();
    await expect.poll(() => page.getByTestId('onnx-range').textContent(), { timeout: 30_000 }).toMatch(/^Assumed the model takes pixels in 0\.\.1 \(ONNX files do not say\)/);
    await page.getByRole('button', { name: 'Re-import as 0..255' }).click();
    await expect.poll(() => page.getByTestId('onnx-range').textContent(), { timeout: 30_000 }).toMatch(/^Assumed the model takes pixels in 0\.\.255;/);
    expect(JSON.parse(readFileSync(join(work, 'models', 'pixels-255', 'model.json'), 'utf8')).details.inputRange).toBe('0..255');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('button', { name: 'Remove…' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => readdir(join(work, 'models')), { timeout: 10_000 }).toEqual([]);
  }, 180_000);

  it('runs local-ai and bicubic, shows progress, then the results', async () => {
    await page.getByRole('checkbox', { name: /Bicubic/ }).check();
    await setup().getByLabel('Local model').selectOption('slim');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    await expect.poll(() => page.locator('#overall').getAttribute('value'), { timeout: 120_000 }).toBe('5');
    await page.getByText('Run completed').waitFor({ timeout: 30_000 });
    await shot('progress');
    await page.getByRole('button', { name: 'Open results' }).click();
    await expect.poll(() => page.getByTestId('row-count').textContent()).toBe('10 of 10 rows');
    await expect.poll(() => page.getByTestId('storage-card').textContent()).toMatch(/4 images: .* saved/);
    // what was run, named: the stored setting and each provider's model
    expect(await page.getByTestId('run-label').textContent()).toMatch(/^Stored as .*at ÷4 · upscaled with local-ai · esrgan-slim x4, bicubic$/);
    // the number the analyst came for: local-ai against bicubic, image by image
    const vs = page.getByTestId('baseline-card').locator('tbody tr', { hasText: 'local-ai vs bicubic' });
    await expect.poll(() => vs.locator('td').nth(1).textContent()).toBe('4');
    expect(await vs.locator('td').nth(2).textContent()).toMatch(/^[+−±]\d+\.\d\d$/);
    expect(await vs.locator('td').last().textContent()).toMatch(/^\d+% \(\d of 4\)$/);
    // compute cost beside the storage saving
    const cost = page.getByTestId('compute-card');
    expect(await cost.locator('tbody tr').count()).toBe(2);
    expect(await cost.locator('tbody tr', { hasText: 'local-ai' }).textContent()).toMatch(/^local-ai\d+\.\d\d\d+\.\d\d core-h$/);
    // the scatter names both axes; the histograms bin over the data's range
    // judged by SSIMULACRA2, which every run now scores
    const chooser = page.locator('section[aria-labelledby="results-title"]').getByRole('combobox', { name: 'Quality metric' });
    expect(await chooser.inputValue()).toBe('ssimulacra2');
    await expect.poll(() => page.locator('.recharts-label').allTextContents()).toEqual(expect.arrayContaining(['bytes saved (%)', 'SSIMULACRA2']));
    const ticks = (await page.locator('figure[aria-label="Histogram of SSIMULACRA2"] .recharts-cartesian-axis-tick-value').allTextContents()).filter((t) => t.includes('–'));
    expect(ticks).not.toContain('0.0–0.1');
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    // how sure: each mean's 95% interval under it and as a whisker, the paired comparisons in sentences
    const local = page.getByTestId('per-provider').locator('tbody tr', { hasText: 'local-ai' });
    expect(await local.locator('.ci').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^−?[\d.]+…−?[\d.]+$/)]));
    await expect.poll(() => page.locator('.means-chart .recharts-errorBar').count()).toBe(2);
    const sentences = await page.getByTestId('paired').locator('li').allTextContents();
    expect(sentences.some((t) => /^.at png at ÷4, local-ai (beats|trails|ties with) bicubic.* \(95% CI [−+\d.]+…[−+\d.]+, wins \d(, ties \d)? of 3\): /.test(t))).toBe(true);
    await page.waitForTimeout(300); // let the charts lay out
    await shot('results');
    // each provider's worst image, one click from the viewer
    await page.getByTestId('per-provider').getByRole('button', { name: /^View the worst image on SSIMULACRA2 of local-ai: / }).click();
    await expect.poll(() => page.getByRole('dialog').getByRole('img').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('viewer-scores').textContent()).toMatch(/^local-ai · /);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    // judged by another metric: the wins and the plots follow it
    await chooser.selectOption('psnr');
    await expect.poll(() => page.getByTestId('baseline-card').locator('th').last().textContent()).toBe('Better on PSNR');
    await expect.poll(() => page.locator('figure[aria-label="Histogram of PSNR (dB)"]').count()).toBe(1);
    // the baseline's table and the paired sentences under it, both on PSNR
    await page.getByTestId('paired').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.waitForTimeout(300);
    await shot('results-metric');
    await chooser.selectOption('ssimulacra2');
    await page.evaluate(() => window.scrollTo(0, 0));
  }, 180_000);

  it('sorts and filters the table', async () => {
    const header = page.locator('th', { has: page.getByRole('button', { name: /^PSNR dB/ }) });
    for (const clicks of [1, 2]) {
      await page.getByRole('button', { name: /^PSNR dB/ }).click();
      const order = await header.getAttribute('aria-sort');
      expect(order, `after ${clicks} click(s)`).toMatch(/ascending|descending/);
      const psnr = await page.locator('.results-table tbody tr td:nth-child(8)').allTextContents();
      const nums = psnr.filter((t) => t !== '–').map(Number);
      expect(nums.length).toBe(8);
      expect(nums).toEqual([...nums].sort((a, b) => (order === 'ascending' ? a - b : b - a)));
    }
    await page.getByLabel('Status filter').selectOption('error');
    await expect.poll(() => page.getByTestId('row-count').textContent()).toBe('2 of 10 rows');
    await page.getByLabel('Status filter').selectOption('all');
    await page.getByLabel('Filter rows').fill('coffee');
    await expect.poll(() => page.getByTestId('row-count').textContent()).toBe('2 of 10 rows');
  });

  it('opens the viewer fitted, shows 100% as one image pixel per screen pixel, and two providers side by side', async () => {
    await page.getByRole('button', { name: 'View coffee.png (local-ai)' }).click();
    const viewer = page.getByRole('dialog');
    await expect.poll(() => viewer.getByRole('img').count()).toBe(3);
    await expect.poll(() => page.getByTestId('viewer-scores').textContent()).toMatch(/^local-ai · esrgan-\S+ x4 · \S+( q\d+)? at ÷4 · PSNR \d+\.\d+ dB · SSIM 0\.\d+ · ORB 0\.\d+/);
    const original = viewer.getByRole('img', { name: 'Original of coffee.png' });
    // fitted: the 600×400 photo fills its pane's width
    const pane = await original.locator('..').boundingBox();
    await expect.poll(async () => Math.round((await original.boundingBox())!.width)).toBe(Math.round(pane!.width));
    await page.getByRole('button', { name: '100%', exact: true }).click();
    await expect.poll(() => page.getByTestId('zoom').textContent()).toBe('100%');
    expect(Math.round((await original.boundingBox())!.width)).toBe(600);
    // served at full size (under 16 MP): no preview note, though the stored copy is a quarter of it
    expect(await viewer.textContent()).not.toContain('Shown from a preview');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(() => page.getByTestId('zoom').textContent()).toBe('156%');
    await page.getByRole('button', { name: 'Fit' }).click();
    await expect.poll(async () => Math.round((await original.boundingBox())!.width)).toBe(Math.round(pane!.width));
    await shot('viewer');
    // bicubic's output beside local-ai's, instead of the stored copy
    await viewer.getByRole('checkbox', { name: 'Stored (downscaled)' }).uncheck();
    await viewer.getByRole('checkbox', { name: 'Upscaled (bicubic)' }).check();
    await expect.poll(() => viewer.getByRole('img').evaluateAll((els) => els.map((e) => (e as HTMLImageElement).alt))).toEqual(['Original of coffee.png', 'Upscaled (local-ai) of coffee.png', 'Upscaled (bicubic) of coffee.png']);
    await page.getByRole('button', { name: '100%', exact: true }).click();
    await shot('viewer-providers');
    await page.getByRole('button', { name: 'Slider' }).click();
    await viewer.getByLabel('Left image').selectOption({ label: 'Upscaled (bicubic)' });
    await expect.poll(() => viewer.getByRole('img').count()).toBe(2);
    await shot('viewer-slider');
    // where local-ai's output departs from the original, as a map beside them, its kind and scale said
    await page.getByRole('button', { name: 'Side by side' }).click();
    await viewer.getByRole('checkbox', { name: 'Upscaled (bicubic)' }).uncheck();
    await viewer.getByRole('checkbox', { name: 'Difference map (local-ai)' }).check();
    await expect.poll(() => viewer.getByRole('img').count(), { timeout: 60_000 }).toBe(3);
    const map = viewer.getByRole('img', { name: 'Difference map (local-ai) of coffee.png' });
    // a run without Butteraugli gets the plain absolute difference, said so, at the original's size
    await expect.poll(() => viewer.locator('figcaption', { hasText: 'Difference map (local-ai)' }).textContent()).toMatch(/Absolute difference per pixel/);
    expect(await map.evaluate((e) => [(e as HTMLImageElement).naturalWidth, (e as HTMLImageElement).naturalHeight])).toEqual([600, 400]);
    expect(await viewer.getByTestId('heat-legend').textContent()).toMatch(/^Absolute difference per pixel.*0.*≥ 32$/);
    // in line with the original: the same box on screen
    const [a, b] = [await viewer.getByRole('img', { name: 'Original of coffee.png' }).boundingBox(), await map.boundingBox()];
    expect([Math.round(b!.y), Math.round(b!.width), Math.round(b!.height)]).toEqual([Math.round(a!.y), Math.round(a!.width), Math.round(a!.height)]);
    await page.getByRole('button', { name: 'Fit' }).click();
    await shot('viewer-heatmap');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await page.getByLabel('Filter rows').fill('');
  });

  it('exports the filtered table as CSV with numbers as numbers', async () => {
    await page.getByLabel('Provider filter').selectOption('bicubic');
    nextAnswer = join(work, 'export', 'bicubic.csv');
    await mkdir(join(work, 'export'));
    await page.getByRole('button', { name: 'Export CSV…' }).click();
    await page.getByText(/Exported 5 rows to/).waitFor();
    const rows = parse(readFileSync(nextAnswer, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.provider === 'bicubic')).toBe(true);
    const ok = rows.filter((r) => r.status === 'ok');
    expect(ok.every((r) => /^\d\.\d+$/.test(r.ssim) && /^\d+(\.\d+)?$/.test(r.psnr) && !r.orb_score.includes('%'))).toBe(true);
    await page.getByLabel('Provider filter').selectOption('all');
  });

  it('cancels a run midway', async () => {
    await page.getByRole('button', { name: 'New run' }).click();
    await page.getByRole('checkbox', { name: /Bicubic/ }).uncheck();
    await setup().getByLabel('Local model').selectOption('thick');
    await page.getByRole('button', { name: 'Start run' }).click();
    // each image in flight has its own line, and a tile is shown only as part of that image's upscale
    await expect.poll(() => page.getByTestId('in-flight').textContent(), { timeout: 60_000 }).toMatch(/\.(png|jpg) · upscale \(local-ai\) · tile \d+\/\d+/);
    for (const line of await page.getByTestId('in-flight').locator('li').allTextContents()) {
      expect(line).toMatch(/^\S+\.(png|jpg) · (read|downscale|store|fetch|upscale|score|write)( \(local-ai\))?( · tile \d+\/\d+)?$/);
      if (line.includes('tile')) expect(line).toContain('· upscale (local-ai) · tile');
    }
    // no ETA before there is a basis for one (it once read "0 s" after the bad file's instant error row)
    expect(await page.locator('label[for="overall"]').textContent()).not.toMatch(/ETA 0 s/);
    await shot('progress-running');
    // two images finished: at least one of them is an ok row, which a resume keeps
    await expect.poll(async () => Number(await page.locator('#overall').getAttribute('value')), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByText('Run cancelled').waitFor({ timeout: 10_000 });
    expect(Number(await page.locator('#overall').getAttribute('value'))).toBeLessThan(5);
    await shot('cancelled');
  }, 240_000);

  it('lists past runs with their settings, the CLI’s too, and reopens one', async () => {
    // a run the CLI made into the app's results folder, in a folder named by hand
    const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'upscale-bench.js'), 'run', photos, '--provider', 'lanczos', '--format', 'webp', '--quality', '70', '--out', join(work, 'runs', 'cli trial')], { encoding: 'utf8' });
    // the photos include a broken file: a run that finished with error rows exits 3
    expect(cli.status, cli.stderr).toBe(3);
    await page.getByRole('button', { name: 'Past runs' }).click();
    await expect.poll(() => page.locator('table.runs tbody tr').count()).toBe(3);
    await expect.poll(() => page.locator('table.runs tbody').textContent()).toMatch(/completed.*cancelled|cancelled.*completed/s);
    const cliRow = page.locator('table.runs tbody tr', { hasText: 'cli trial' });
    expect(await cliRow.locator('td').evaluateAll((tds) => tds.slice(2, 7).map((td) => td.textContent))).toEqual(['photos', '÷4 · webp q70', 'lanczos', '5', '4 ok · 1 error5 images × 1 provider']);
    const appRow = page.locator('table.runs tbody tr', { hasText: 'local-ai · esrgan-slim x4' });
    expect(await appRow.locator('td').nth(6).textContent()).toBe('8 ok · 2 errors5 images × 2 providers');
    await shot('past-runs');
    await appRow.getByRole('button', { name: /^Open run/ }).click();
    await expect.poll(() => page.getByTestId('row-count').textContent()).toBe('10 of 10 rows');
  });

  it('looks right in dark mode too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await shot('results-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('resumes the cancelled run with counters that include the rows it keeps', async () => {
    await page.getByRole('button', { name: 'Past runs' }).click();
    await page.locator('table.runs tbody tr', { hasText: 'cancelled' }).getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    // at once: the kept images and their rows are already counted, in the header and the provider's counter
    const keptImages = Number(await page.locator('#overall').getAttribute('value'));
    expect(keptImages).toBeGreaterThanOrEqual(1);
    const counted = Number(/^local-ai(\d+)\/5/.exec((await page.locator('.provider-progress').textContent()) ?? '')?.[1]);
    expect(counted).toBeGreaterThanOrEqual(keptImages);
    await page.getByText('Run completed').waitFor({ timeout: 180_000 });
    expect(await page.locator('label[for="overall"]').textContent()).toMatch(/^5 of 5 images/);
    // the header and the provider's counter agree: 4 photos ok, the text file named .jpg an error row
    expect(await page.locator('.provider-progress').textContent()).toBe('local-ai5/5 · 1 error');
  }, 240_000);
});

describe('the browser bridge refuses other callers', () => {
  const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => fetch(`${app.bridge.origin}${path}`, init);
  it('without the token', async () => {
    expect((await call('/bridge/invoke/runs:list', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await call('/bridge/events')).status).toBe(401);
  });
  it('from another origin', async () => {
    const r = await call('/bridge/invoke/runs:list', { method: 'POST', body: '{}', headers: { 'x-bench-token': app.bridge.token, origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
  });
  it('for a path outside the renderer', async () => {
    expect((await call('/..%2f..%2fpackage.json')).status).toBe(404);
  });
  it('answers with the token', async () => {
    const r = await call('/bridge/invoke/runs:list', { method: 'POST', body: '{}', headers: { 'x-bench-token': app.bridge.token } });
    expect((await r.json()).ok).toBe(true);
  });
});
