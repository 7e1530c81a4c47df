/**
 * Worst-case targets and groups in the app: the statistic beside the target slider moves the pick where the
 * answer is known by hand (the grid of test/worst-case.test.ts), the group picker answers on a group's rows as
 * summary.json's `groups` does (real sweeps of the README photos, test/fixtures/readme-photos-groups.json from
 * scripts/group-fixture.ts), and the setup screens send `at` and `groupBy`.
 */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { RunDetails, UiRow } from '../../../preload/ipc-contract';
import { recommend, settingPoints } from '../../../main/core/results/pareto';
import fixture from '../../../test/fixtures/readme-photos-groups.json';
import { ResultsScreen } from '../screens/ResultsScreen';
import { SetupScreen } from '../screens/SetupScreen';
import { SweepScreen } from '../screens/SweepScreen';
import { SweepResults, summaryTarget } from './SweepResults';
import '../styles.css';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const user = {
  click: (el: Element) => act(async () => void (await userEvent.click(el as HTMLElement))),
  selectOptions: (el: Element, value: string) => act(async () => void (await userEvent.selectOptions(el as HTMLElement, value))),
};

const fakeBench = () =>
  ((window as unknown as { bench: unknown }).bench = {
    settings: { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1000, resultsFolder: '/r', resultsFolderIsDefault: true }), set: async () => ({}) },
  });

let root: Root | undefined;
let host: HTMLElement;
async function mount(node: React.ReactNode) {
  host = document.createElement('div');
  host.style.width = '1200px';
  document.body.append(host);
  root = createRoot(host);
  await act(async () => {
    root!.render(node);
    await new Promise((r) => setTimeout(r, 100));
  });
  return host;
}
afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
});

const text = (el: Element, sel: string) => el.querySelector(sel)?.textContent ?? '';
const byLabel = (el: Element, label: string) => el.querySelector<HTMLElement>(`[aria-label="${label}"]`)!;
/** The per-setting table's rows as "provider ÷factor format qquality", and those marked on the frontier. */
const settingsTable = (el: Element) => {
  const trs = [...el.querySelectorAll('.settings-table tbody tr')];
  const name = (tr: Element) => {
    const c = [...tr.children].map((td) => td.textContent);
    return `${c[0]} ${c[2]!.replace(' (full)', '')} ${c[3]} q${c[4]}`;
  };
  return {
    recommended: trs.filter((tr) => tr.classList.contains('recommended')).map(name),
    frontier: trs.filter((tr) => tr.querySelector('[aria-label="on the frontier"]')).map(name).sort(),
  };
};

let rowId = 0;
/**
 * test/worst-case.test.ts's grid, target SSIMULACRA2 ≥ 70: A (bicubic q50 ÷2) has the highest mean but a bad
 * tail (16 images at 85, 4 at 40: mean 76, p10 40); B (q80) is tight (72…74: mean 73, p10 72); C (q95) 75 and
 * 77. Recompress-only q30 at 30 (never reaches), q80 at 88 and 92 (p10 88).
 */
const graded = (): UiRow[] => {
  const setting = (provider: string, factor: number, quality: number, bytes: number, saved: number, score: (i: number) => number) =>
    Array.from({ length: 20 }, (_, i): UiRow => ({
      row: rowId++,
      image_path: `/photos/img${i}.png`,
      status: 'ok',
      error: '',
      provider,
      model: provider === 'none' ? 'recompress only' : provider,
      factor,
      format: 'webp',
      quality,
      width: 64,
      height: 48,
      original_bytes: 1000,
      stored_bytes: bytes,
      saved_percent: saved,
      upscale_ms: 1,
      wait_ms: 0,
      upscale_threads: 1,
      orb_score: 0.9,
      psnr: 30,
      identical: false,
      ssim: 0.9,
      ssimulacra2: score(i),
      butteraugli: null,
      butteraugli_3norm: null,
      notes: '',
    }));
  return [
    ...setting('bicubic', 2, 50, 100, 90, (i) => (i < 16 ? 85 : 40)),
    ...setting('bicubic', 2, 80, 150, 85, (i) => [72, 72.5, 73, 73.5, 74][i % 5]),
    ...setting('bicubic', 2, 95, 200, 80, (i) => (i % 2 ? 77 : 75)),
    ...setting('none', 1, 30, 50, 95, () => 30),
    ...setting('none', 1, 80, 400, 60, (i) => (i % 2 ? 92 : 88)),
  ];
};

describe('the target on a statistic of per-image scores', () => {
  const rows = graded();
  const sweep = (summary: Record<string, unknown>): RunDetails => ({ runId: 'g1', outDir: '/g', summary, rows, kind: 'sweep' });

  it('the mean picks A, whose tail fails; p10 picks the tight B; the frontier, sentence, stopping rule and worst image follow', async () => {
    fakeBench();
    const details = sweep({ target: { metric: 'ssimulacra2', value: 70 } });
    const el = await mount(<SweepResults details={details} initialTarget={summaryTarget(details.summary)} onError={() => {}} />);
    expect((byLabel(el, 'Target statistic') as HTMLSelectElement).value).toBe('mean');
    expect(text(el, '[data-testid=recommendation]')).toBe(
      'Recommendation: store as webp q50 at ÷2 and upscale with bicubic: 90% smaller, SSIMULACRA2 76.0; recompress-only needs webp q80 at full size for SSIMULACRA2 ≥ 70: 60% smaller (SSIMULACRA2 90.0).',
    );
    // A's worst image is one of its four at 40; 16 of its 20 reach 70
    expect(text(el, '[data-testid=recommendation-interval]')).toMatch(/^Mean SSIMULACRA2 76\.0 \(95% interval [\d.]+…[\d.]+ over 20 images\) · 16 of 20 images reach ≥ 70\.0 · worst image: img16\.png \(40\.0\)$/);
    // on the mean, A beats B and ties C's mean on fewer bytes: bicubic's frontier is A alone
    expect(settingsTable(el)).toEqual({ recommended: ['bicubic ÷2 webp q50'], frontier: ['bicubic ÷2 webp q50', 'none ÷1 webp q30', 'none ÷1 webp q80'] });
    await expect.poll(() => text(el, '[data-testid=stopping]')).toMatch(/mean SSIMULACRA2 target of 70/);

    await user.selectOptions(byLabel(el, 'Target statistic'), 'p10');
    // the choice sits in the slider's own label: "Target [p10] SSIMULACRA2 ≥ 70.0"
    const label = byLabel(el, 'Target statistic').closest('.target > span')!;
    const select = label.querySelector('select')!;
    expect(label.textContent!.replace(select.textContent!, `[${select.value}]`)).toBe('Target [p10] SSIMULACRA2 ≥ 70.0');
    // the engine's own pick on p10
    expect(recommend(settingPoints(rows), { metric: 'ssimulacra2', value: 70, at: 'p10' })).toMatchObject({ provider: 'bicubic', quality: 80 });
    expect(text(el, '[data-testid=recommendation]')).toBe(
      'Recommendation: store as webp q80 at ÷2 and upscale with bicubic: 85% smaller, p10 SSIMULACRA2 72.0 (mean 73.0); recompress-only needs webp q80 at full size for p10 SSIMULACRA2 ≥ 70: 60% smaller (p10 SSIMULACRA2 88.0, mean 90.0).',
    );
    expect(text(el, '[data-testid=recommendation-interval]')).toMatch(/^p10 SSIMULACRA2 72\.0 \(95% interval [\d.]+…[\d.]+ over 20 images\) · mean 73\.0 \([\d.]+…[\d.]+\) · 20 of 20 images reach ≥ 70\.0 · worst image: img0\.png \(72\.0\)$/);
    // on p10 none of A, B, C beats another: all three on the frontier, and a column for the statistic
    expect(settingsTable(el)).toEqual({ recommended: ['bicubic ÷2 webp q80'], frontier: ['bicubic ÷2 webp q50', 'bicubic ÷2 webp q80', 'bicubic ÷2 webp q95', 'none ÷1 webp q30', 'none ÷1 webp q80'] });
    expect([...el.querySelectorAll('.settings-table thead th')].map((th) => th.textContent)).toContain('p10 SSIMULACRA2');
    expect(el.querySelector('.sweep-plot')!.getAttribute('aria-label')).toBe("Mean stored size against p10 SSIMULACRA2 per setting, with each provider's frontier");
    await expect.poll(() => text(el, '[data-testid=stopping]')).toMatch(/^The recommendation is (not )?settled: .*p10 SSIMULACRA2 target of 70/);
    // p25 is 85 for A again: back to A
    await user.selectOptions(byLabel(el, 'Target statistic'), 'p25');
    expect(text(el, '[data-testid=recommendation]')).toMatch(/^Recommendation: store as webp q50 at ÷2 and upscale with bicubic: 90% smaller, p25 SSIMULACRA2 85\.0 \(mean 76\.0\)/);
  });

  it('opens on the statistic a summary’s target has', async () => {
    fakeBench();
    const details = sweep({ target: { metric: 'ssimulacra2', value: 70, at: 'p10' } });
    const el = await mount(<SweepResults details={details} initialTarget={summaryTarget(details.summary)} onError={() => {}} />);
    expect((byLabel(el, 'Target statistic') as HTMLSelectElement).value).toBe('p10');
    expect(text(el, '[data-testid=recommendation]')).toMatch(/^Recommendation: store as webp q80 at ÷2 and upscale with bicubic: 85% smaller, p10 SSIMULACRA2 72\.0/);
  });
});

type Fixture = typeof fixture;
type Answer = Fixture['summaries'][number]['overall'];
const FIXTURE_ROWS = fixture.rows as UiRow[];
const base = (p: string) => p.split('/').pop();

/** The setting as the table names it: "lanczos ÷2 jpeg q80", "none ÷1 webp q50". */
const named = (provider: string, s: { factor: number; format: string; quality: number | null }) => `${provider} ÷${s.factor} ${s.format} q${s.quality ?? '–'}`;

/** What the sweep screen shows on the rows it has agrees with summary.json's answer for them. */
async function expectAnswer(el: HTMLElement, a: Answer, at: string) {
  const rec = a.recommendation!;
  const frontier = Object.entries(a.pareto).flatMap(([p, list]) => list.map((s) => named(p, s as { factor: number; format: string; quality: number | null }))).sort();
  expect(settingsTable(el)).toEqual({ recommended: [named(rec.provider, rec)], frontier });
  // the pick's statistic and its interval, as the file's worst case (or its mean's ci) gives them
  const iv = at === 'mean' ? rec.ci!.ssimulacra2_mean : rec.worst_case!.statistic;
  const line = text(el, '[data-testid=recommendation-interval]');
  expect(line).toContain(`${at === 'mean' ? 'Mean' : at} SSIMULACRA2 ${iv.mean.toFixed(1)} (95% interval ${iv.low.toFixed(1)}…${iv.high.toFixed(1)} over ${iv.n} images)`);
  expect(line).toContain(`${rec.worst_case!.reaching} of ${iv.n} images reach ≥ 50.0`);
  expect(line).toMatch(new RegExp(`worst image: ${base(rec.worst_case!.worst!.image_path)!.replace('.', '\\.')} \\(${rec.worst_case!.worst!.score.toFixed(1)}\\)$`));
  await expect.poll(() => text(el, '[data-testid=stopping]')).toBe(`The recommendation is ${rec.stopping}.`);
}

describe('the group picker on a real grouped sweep', () => {
  for (const [i, at] of [
    [0, 'mean'],
    [1, 'p10'],
  ] as const) {
    it(`answers on each group's rows as summary.json's groups do (target on the ${at})`, async () => {
      fakeBench();
      const s = fixture.summaries[i];
      expect(s.target).toEqual(at === 'mean' ? { metric: 'ssimulacra2', value: 50 } : { metric: 'ssimulacra2', value: 50, at: 'p10' });
      const details: RunDetails = { runId: 'photos-groups', outDir: '/r', summary: { target: s.target, confidence: s.confidence }, rows: FIXTURE_ROWS, kind: 'sweep' };
      const el = await mount(<SweepResults details={details} initialTarget={summaryTarget(details.summary)} onError={() => {}} />);
      const picker = byLabel(el, 'Group') as HTMLSelectElement;
      expect([...picker.options].map((o) => o.textContent)).toEqual(['All images (7 images)', 'colour photos (5 images)', 'grey & graphics (2 images)']);
      expect(s.groups.map((g) => [g.group, g.inputs])).toEqual([
        ['colour photos', 5],
        ['grey & graphics', 2],
      ]);
      await expectAnswer(el, s.overall, at);
      for (const g of s.groups) {
        await user.selectOptions(picker, g.group);
        expect(el.querySelector('.settings-table tbody tr td:nth-child(6)')!.textContent).toBe(String(g.inputs));
        await expectAnswer(el, g, at);
      }
      // the groups' answers differ, and so does the screen: on the mean, re-encode the photos at full size and
      // downscale the graphics ÷2; on the p10 (with 5 and 2 images: each group's worst image) both stay at full size
      const setting = (r: { factor: number; format: string; quality: number | null }) => `${r.factor} ${r.format} ${r.quality}`;
      expect(setting(s.groups[0].recommendation!)).not.toBe(setting(s.groups[1].recommendation!));
      expect([s.groups[0].recommendation!.factor, s.groups[1].recommendation!.factor]).toEqual(at === 'mean' ? [1, 2] : [1, 1]);
      await user.selectOptions(picker, '');
      await expectAnswer(el, s.overall, at);
    });
  }

  it('on the results screen, every card and table follows the group', async () => {
    fakeBench();
    const details: RunDetails = { runId: 'photos-groups', outDir: '/r', summary: null, rows: FIXTURE_ROWS, kind: 'run' };
    const el = await mount(<ResultsScreen details={details} onError={() => {}} />);
    const perProvider = () => [...el.querySelectorAll('[data-testid=per-provider] tbody tr')].map((tr) => [tr.children[0].textContent, tr.children[1].textContent]);
    expect(text(el, '[data-testid=row-count]')).toBe('210 of 210 rows');
    expect(perProvider()).toEqual([
      ['none', '42/42'],
      ['bicubic', '84/84'],
      ['lanczos', '84/84'],
    ]);
    await user.selectOptions(byLabel(el, 'Group'), 'grey & graphics');
    expect(text(el, '[data-testid=row-count]')).toBe('60 of 60 rows');
    expect(text(el, '[data-testid=storage-card]')).toMatch(/^Storage2 images:/);
    expect(perProvider()).toEqual([
      ['none', '12/12'],
      ['bicubic', '24/24'],
      ['lanczos', '24/24'],
    ]);
    // the means are of the group's rows alone
    const group = FIXTURE_ROWS.filter((r) => r.group === 'grey & graphics' && r.provider === 'lanczos');
    const mean = group.reduce((a, r) => a + r.ssimulacra2!, 0) / group.length;
    const heads = [...el.querySelectorAll('[data-testid=per-provider] thead th')].map((th) => th.textContent);
    const lanczos = [...el.querySelectorAll('[data-testid=per-provider] tbody tr')].find((tr) => tr.children[0].textContent === 'lanczos')!;
    expect(lanczos.children[heads.indexOf('SSIMULACRA2')].querySelector('.mean')!.textContent).toBe(mean.toFixed(1));
    // the comparisons too: each pairs the group's two images at most (all seven before)
    const pairs = () => [...el.querySelectorAll('[data-testid=paired] li')].map((li) => Number(/wins \d+ of (\d+)/.exec(li.textContent!)?.[1] ?? 0));
    expect(Math.max(...pairs())).toBe(2);
    await user.selectOptions(byLabel(el, 'Group'), '');
    expect(Math.max(...pairs())).toBe(7);
  });
});

describe('setup screens send the statistic and the grouping', () => {
  const models = { list: async () => [{ name: 'thick', kind: 'built-in', architecture: 'RRDN', scales: [2, 3, 4, 8], summary: 'RRDN', speed: { mpsOut: 0.15, scale: 4, where: 'reference machine' }, sizeBytes: null }] };
  const settings = { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1, resultsFolder: '/r', resultsFolderIsDefault: true }), set: async () => ({}) };

  it('Sweep: the target with its statistic, and Group by', async () => {
    const start = vi.fn(async (_r: Record<string, unknown>) => ({ jobId: 'j', runId: 'r', outDir: '/x' }));
    const plan = vi.fn(async (_r: Record<string, unknown>) => ({ images: 7, settings: 18, rows: 126, low: 10, high: 20, reasons: [] }));
    (window as unknown as { bench: unknown }).bench = { models, settings, dialogs: { pickInput: async () => ({ path: '/photos.csv', kind: 'csv', count: 7 }) }, sweeps: { plan, start } };
    const el = await mount(<SweepScreen busy={false} details={null} onStarted={() => {}} onError={() => {}} />);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Choose CSV…')!);
    await expect.poll(() => plan.mock.calls.length).toBeGreaterThan(0);
    // left alone: no `at` (the mean) and no groupBy (the engine's default: a CSV's group column)
    expect(plan.mock.lastCall![0]).toMatchObject({ target: { metric: 'ssimulacra2', value: 70 } });
    expect(plan.mock.lastCall![0]).not.toHaveProperty('groupBy');
    expect(plan.mock.lastCall![0].target).not.toHaveProperty('at');
    await user.selectOptions(byLabel(el, 'Target statistic'), 'p10');
    await user.selectOptions(byLabel(el, 'Group by'), 'folder');
    expect(text(el, '.target-help')).toMatch(/^On p10: the score at least 9 images in 10 reach or beat: a setting passes when that SSIMULACRA2 of its images is at least this, so its worst images count, not only its average\. It is fitted to how people rate images/);
    const startButton = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Start sweep')!;
    await expect.poll(() => startButton.disabled).toBe(false);
    await user.click(startButton);
    expect(start).toHaveBeenCalledWith(expect.objectContaining({ target: { metric: 'ssimulacra2', value: 70, at: 'p10' }, groupBy: 'folder' }));
    // the metric changes; the statistic stays
    await user.selectOptions(byLabel(el, 'Target metric'), 'ssim');
    await user.selectOptions(byLabel(el, 'Group by'), 'column');
    await user.click(startButton);
    expect(start).toHaveBeenLastCalledWith(expect.objectContaining({ target: { metric: 'ssim', value: 0.9, at: 'p10' }, groupBy: 'column' }));
  });

  it('New run: Group by', async () => {
    const start = vi.fn(async (_r: Record<string, unknown>) => ({ jobId: 'j', runId: 'r', outDir: '/x' }));
    (window as unknown as { bench: unknown }).bench = {
      models,
      settings,
      dialogs: { pickInput: async () => ({ path: '/photos', kind: 'folder', count: 4 }), pickOutput: async () => null },
      inputs: { imageSizes: async () => ({ total: 4, sizes: [] }) },
      jobs: { start, onProgress: () => () => {} },
    };
    const el = await mount(<SetupScreen busy={false} onStarted={() => {}} onError={() => {}} />);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Choose folder…')!);
    const startButton = () => [...el.querySelectorAll('button')].find((b) => b.textContent === 'Start run')!;
    await expect.poll(() => startButton().disabled).toBe(false);
    await user.click(startButton());
    expect(start.mock.lastCall![0]).not.toHaveProperty('groupBy');
    await user.selectOptions(byLabel(el, 'Group by'), 'folder');
    await user.click(startButton());
    expect(start).toHaveBeenLastCalledWith(expect.objectContaining({ input: '/photos', groupBy: 'folder' }));
  });
});
