/**
 * Groups and worst-case targets in the app, in Debian's Chromium through the browser bridge and the real
 * handlers, on the README's worked example (docs/examples/readme-photos.csv: five colour photos and two grey
 * or graphic images, by its `group` column). What the app shows for a group is checked against the
 * summary.json the run wrote. `UPDATE_SCREENSHOTS=1 npx vitest run test/e2e/groups.test.ts` refreshes
 * docs/screenshots/results-group.png, sweep-groups.png and sweep-groups-setup.png.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openApp, screenshot } from '../helpers/e2e.js';

let app: Awaited<ReturnType<typeof openApp>>;
let page: Page;
let work: string;
const CSV = join(ROOT, 'docs', 'examples', 'readme-photos.csv');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'e2e-groups-'));
  app = await openApp(work, { height: 900, answer: () => CSV });
  page = app.page;
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const setup = () => page.locator('section[aria-labelledby="setup-title"]');
const sweep = () => page.locator('section[aria-labelledby="sweep-title"]');
type Summary = { target: { metric: string; value: number; at?: string }; groups: { group: string; counts: { inputs: number }; recommendation: { provider: string; factor: number; format: string; quality: number | null } | null }[] };
/** The summary.json of the run a screen shows, from its heading "Results — <run id>". */
const summaryOf = async (heading: ReturnType<Page['locator']>): Promise<Summary> => {
  const dir = (await heading.textContent())!.replace(/^Results — /, '');
  return JSON.parse(readFileSync(join(work, 'runs', dir, 'summary.json'), 'utf8')) as Summary;
};

describe('groups in Chromium', () => {
  it('runs the README photos grouped by their CSV column and shows one group’s results', async () => {
    await setup().getByRole('button', { name: 'Choose CSV…' }).click();
    await expect.poll(() => page.getByTestId('input-summary').textContent()).toMatch(/7 images$/);
    await setup().getByRole('checkbox', { name: /Local AI/ }).uncheck();
    await setup().getByRole('checkbox', { name: /Bicubic/ }).check();
    await setup().getByRole('checkbox', { name: /Lanczos/ }).check();
    await setup().getByLabel('Factor').selectOption('2');
    await setup().getByLabel('Group by').selectOption('column');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByText('Run completed').waitFor({ timeout: 170_000 });
    await page.getByRole('button', { name: 'Open results' }).click();
    await expect.poll(() => page.getByTestId('row-count').textContent()).toBe('14 of 14 rows');
    const picker = page.locator('section[aria-labelledby="results-title"]').getByLabel('Group', { exact: true });
    expect(await picker.locator('option').allTextContents()).toEqual(['All images (7 images)', 'colour photos (5 images)', 'grey & graphics (2 images)']);
    await picker.selectOption('grey & graphics');
    await expect.poll(() => page.getByTestId('row-count').textContent()).toBe('4 of 4 rows');
    await expect.poll(() => page.getByTestId('storage-card').textContent()).toMatch(/^Storage2 images: /);
    expect(await page.getByTestId('per-provider').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.children[1].textContent))).toEqual(['2/2', '2/2']);
    // the comparisons pair the group's two images
    await expect.poll(() => page.getByTestId('paired').textContent()).toMatch(/wins \d of 2\)/);
    const summary = await summaryOf(page.locator('#results-title'));
    expect(summary.groups.map((g) => [g.group, g.counts.inputs])).toEqual([
      ['colour photos', 5],
      ['grey & graphics', 2],
    ]);
    await page.waitForTimeout(300); // let the charts lay out
    await screenshot(page, 'results-group', true);
  }, 180_000);

  it('sweeps them with a target on the p10, grouped, and answers per group as summary.json does', async () => {
    await page.getByRole('button', { name: 'Sweep', exact: true }).click();
    await sweep().getByRole('button', { name: 'Choose CSV…' }).click();
    await expect.poll(() => page.getByTestId('sweep-input').textContent()).toMatch(/7 images$/);
    const providers = sweep().getByRole('group', { name: 'Providers' });
    await providers.getByRole('checkbox', { name: 'Local AI' }).uncheck();
    await providers.getByRole('checkbox', { name: 'Lanczos' }).check();
    const qualities = sweep().getByRole('group', { name: 'Qualities' });
    await qualities.getByRole('checkbox', { name: 'q30' }).check();
    await qualities.getByRole('checkbox', { name: 'q95' }).uncheck();
    await sweep().getByLabel('Target statistic').selectOption('p10');
    await sweep().getByLabel('Target value').fill('50');
    await sweep().getByLabel('Group by').selectOption('column');
    // the README's grid: ÷1 ÷2 ÷4 × webp, jpeg × q30 q50 q80
    await expect.poll(() => page.getByTestId('sweep-plan').textContent()).toMatch(/^7 images × 18 settings = 210 rows/);
    await screenshot(page, 'sweep-groups-setup');
    await sweep().getByRole('button', { name: 'Start sweep' }).click();
    await page.getByText('Sweep completed').waitFor({ timeout: 600_000 });
    await page.getByRole('button', { name: 'Open results' }).click();
    await expect.poll(() => page.locator('.settings-table tbody tr').count()).toBe(30);
    const summary = await summaryOf(sweep().locator('h3', { hasText: /^Results — / }));
    expect(summary.target).toEqual({ metric: 'ssimulacra2', value: 50, at: 'p10' });
    // the screen opens on the sweep's own statistic
    const answer = page.locator('.sweep-results');
    expect(await answer.getByLabel('Target statistic').inputValue()).toBe('p10');
    await expect.poll(() => page.getByTestId('recommendation').textContent()).toMatch(/p10 SSIMULACRA2 [\d.]+ \(mean [\d.]+\)/);
    // each group's pick on the screen is summary.json's for that group
    const picked = () =>
      page.locator('.settings-table tr.recommended').evaluate((tr) => [...tr.children].slice(0, 5).map((td) => td.textContent));
    const picker = answer.getByLabel('Group', { exact: true });
    for (const g of summary.groups) {
      await picker.selectOption(g.group);
      await expect.poll(() => page.locator('.settings-table tbody tr td:nth-child(6)').first().textContent()).toBe(String(g.counts.inputs));
      const r = g.recommendation!;
      expect(await picked()).toEqual([r.provider, expect.any(String), r.factor === 1 ? '÷1 (full)' : `÷${r.factor}`, r.format, String(r.quality ?? '–')]);
    }
    // the two groups' answers differ; held to their worst image (p10 of 5 and of 2 images), both stay at full size
    const [a, b] = summary.groups.map((g) => g.recommendation!);
    expect(`${a.factor} ${a.format} ${a.quality}`).not.toBe(`${b.factor} ${b.format} ${b.quality}`);
    expect([a.factor, b.factor]).toEqual([1, 1]);
    await expect.poll(() => page.getByTestId('stopping').textContent()).toMatch(/^The recommendation is (not )?settled: .*p10 SSIMULACRA2 target of 50/);
    await page.locator('.content').evaluate((el) => el.scrollTo(0, 0));
    await page.waitForTimeout(400); // let the plot lay out
    await screenshot(page, 'sweep-groups');
  }, 660_000);
});
