/**
 * The app's SageMaker settings (tile size, requests in flight, async, price) in Chromium, and a run through
 * the loopback stand-in showing tiles in flight per image. The bridge runs the handlers in this process, so
 * the stand-in is reached through the SDK's own AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME and credentials from the
 * environment. `UPDATE_SCREENSHOTS=1 npx vitest run test/e2e/sagemaker.test.ts` refreshes
 * docs/screenshots/sagemaker-*.png.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openApp, screenshot } from '../helpers/e2e.js';
import { fixture } from '../helpers/images.js';
import { SageMakerStandin } from '../servers/sagemaker-standin.js';

let app: Awaited<ReturnType<typeof openApp>>;
let page: Page;
let work: string;
let standin: SageMakerStandin;
const env = { ...process.env };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'e2e-sm-'));
  const photos = join(work, 'photos');
  await mkdir(photos);
  for (const [i, f] of ['astronaut.png', 'coffee.png'].entries()) {
    await sharp(fixture('photos', f)).removeAlpha().resize(1600, 1200, { fit: 'fill' }).jpeg().toFile(join(photos, `${i}-${f.replace('.png', '.jpg')}`));
  }
  // each request holds until three are in flight, so the progress shows them
  standin = new SageMakerStandin({ endpoints: ['upscaler'], holdUntilInFlight: 3, delayMs: 300 });
  const url = await standin.start();
  Object.assign(process.env, { AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: url, AWS_ACCESS_KEY_ID: 'AKIDSTANDIN', AWS_SECRET_ACCESS_KEY: 'standin', AWS_REGION: 'us-east-1', AWS_PROFILE: '' });
  app = await openApp(work, { height: 900, answer: () => photos });
  page = app.page;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await standin?.stop();
  process.env = env;
});

it('sets tile size, requests in flight, async and price, and shows tiles in flight per image', async () => {
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect.poll(() => page.getByTestId('input-summary').textContent()).toMatch(/2 images$/);
  await page.getByRole('checkbox', { name: /Local AI/ }).uncheck();
  await page.getByRole('checkbox', { name: /SageMaker/ }).check();
  await page.getByLabel('Endpoint name').fill('upscaler');
  const options = page.getByTestId('sagemaker-options');
  await options.getByLabel('Tile size (px)').fill('20');
  await expect.poll(() => options.getByRole('alert').allTextContents()).toEqual(['0 (whole images) or 64–4096 px']);
  expect(await page.getByRole('button', { name: 'Start run' }).isDisabled()).toBe(true);
  await options.getByLabel('Tile size (px)').fill('128');
  await options.getByLabel('Requests in flight').fill('3');
  await options.getByLabel('Price ($/hour)').fill('1.21');
  await page.getByTestId('sagemaker-async').check();
  await options.getByLabel('S3 input prefix').fill('s3://my-bench-bucket/async-requests/');
  await expect.poll(() => options.getByRole('alert').count()).toBe(0);
  await screenshot(page, 'sagemaker-setup');
  await page.getByTestId('sagemaker-async').uncheck(); // the stand-in here is real-time only

  await page.getByRole('button', { name: 'Start run' }).click();
  await page.getByRole('heading', { name: /^Run / }).waitFor();
  await expect.poll(() => page.getByText(/tile \d+\/\d+, [1-3] in flight/).count(), { timeout: 120_000 }).toBeGreaterThan(0);
  await screenshot(page, 'sagemaker-progress');
  await page.getByText('Run completed').waitFor({ timeout: 240_000 });

  // the run used the app's settings: 128 px tiles, at most 3 requests at once, the price in summary.json
  expect(standin.invocations.every((i) => i.status === 200 && Math.max(i.width!, i.height!) <= 128)).toBe(true);
  expect(standin.maxInFlight).toBe(3);
  const [run] = await readdir(join(work, 'runs'));
  const summary = JSON.parse(readFileSync(join(work, 'runs', run, 'summary.json'), 'utf8'));
  expect(summary.sagemaker).toMatchObject({ retrievals: 2, requests_in_flight: 3, price_per_hour: 1.21, invocations: standin.invocations.length });

  // the results price the endpoint's busy time at the price given in the setup
  await page.getByRole('button', { name: 'Open results' }).click();
  const hours = (summary.sagemaker.busy_seconds * 1000) / 2 / 3600;
  await expect.poll(() => page.getByRole('row', { name: /^sagemaker/ }).first().textContent(), { timeout: 30_000 }).toContain(`${hours.toFixed(2)} instance-h · $${(hours * 1.21).toFixed(2)}`);
  await screenshot(page, 'sagemaker-results');
}, 300_000);
