/**
 * How sure the app says it is: 95% intervals under the means and as error bars, the paired comparisons and
 * the stopping rule in sentences, and each setting's worst image one click from the viewer. The expected
 * intervals are ones known without a bootstrap (two images: the resampled means' 2.5th and 97.5th
 * percentiles are the two scores; equal scores: that score), or summary.json's own, made by the engine's
 * addConfidence from the same rows.
 */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { RunDetails, UiRow } from '../../../preload/ipc-contract';
import { addConfidence, confidenceLines } from '../../../main/core/results/confidence-answer';
import { pairedComparisons } from '../../../main/core/results/comparisons';
import { describeSetting, frontiers, recommend, settingPoints } from '../../../main/core/results/pareto';
import { ResultsScreen } from '../screens/ResultsScreen';
import { SweepResults } from './SweepResults';
import '../styles.css';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const user = {
  click: (el: Element) => act(async () => void (await userEvent.click(el as HTMLElement))),
  selectOptions: (el: Element, value: string) => act(async () => void (await userEvent.selectOptions(el as HTMLElement, value))),
};

let rowId = 0;
const row = (image: number, provider: string, over: Partial<UiRow> = {}): UiRow => ({
  row: rowId++,
  image_path: `/photos/img${image}.png`,
  status: 'ok',
  error: '',
  provider,
  model: provider,
  factor: 2,
  format: 'webp',
  quality: 80,
  width: 64,
  height: 48,
  original_bytes: 10_000,
  stored_bytes: 1_000,
  saved_percent: 90,
  upscale_ms: 100,
  wait_ms: 0,
  upscale_threads: 1,
  orb_score: 0.9,
  psnr: 30,
  identical: false,
  ssim: 0.9,
  ssimulacra2: null,
  butteraugli: null,
  butteraugli_3norm: null,
  notes: '',
  ...over,
});

// a 1×1 PNG: the viewer only needs something to show
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const fakeBench = () =>
  ((window as unknown as { bench: unknown }).bench = {
    settings: { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1000, resultsFolder: '/r', resultsFolderIsDefault: true }), set: async () => ({}) },
    images: { read: async () => ({ mime: 'image/png', base64: PNG, width: 64, height: 48 }), heatmap: async () => Promise.reject(new Error('not here')) },
  });

let root: Root | undefined;
let host: HTMLElement;
async function mount(node: React.ReactNode) {
  host = document.createElement('div');
  host.style.width = '1100px';
  document.body.append(host);
  root = createRoot(host);
  // recharts lays its charts out after a resize observation: inside act, so React applies it before the test looks
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

const access = { label: 'SSIMULACRA2', score: (r: UiRow) => r.ssimulacra2 ?? null, higherIsBetter: true };
const run = (rows: UiRow[], summary: Record<string, unknown> | null = null): RunDetails => ({ runId: 'r1', outDir: '/r', summary, rows, kind: 'run' });
/** A table's cells by header, for the row starting with `first`. */
const cellOf = (table: Element, first: string, header: string) => {
  const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  const tr = [...table.querySelectorAll('tbody tr')].find((r) => r.children[0].textContent === first)!;
  return tr.children[heads.indexOf(header)] as HTMLElement;
};

describe('results screen: how sure', () => {
  // SSIMULACRA2 on two images: local-ai 60 and 70, bicubic 50 on both, lanczos 52 and 48
  const rows = [
    row(0, 'local-ai', { ssimulacra2: 60, ssim: 0.91 }),
    row(1, 'local-ai', { ssimulacra2: 70, ssim: 0.89 }),
    row(0, 'bicubic', { ssimulacra2: 50, ssim: 0.9 }),
    row(1, 'bicubic', { ssimulacra2: 50, ssim: 0.9 }),
    row(0, 'lanczos', { ssimulacra2: 52, ssim: 0.9 }),
    row(1, 'lanczos', { ssimulacra2: 48, ssim: 0.9 }),
  ];

  it('puts each mean’s 95% interval under it, and draws it as an error bar to scale', async () => {
    fakeBench();
    const el = await mount(<ResultsScreen details={run(rows)} onError={() => {}} />);
    const table = el.querySelector('[data-testid=per-provider] table')!;
    const cell = cellOf(table, 'local-ai', 'SSIMULACRA2');
    expect(cell.querySelector('.mean')!.textContent).toBe('65.0');
    expect(cell.querySelector('.ci')!.textContent).toBe('60.0…70.0');
    expect(cell.querySelector('.ci')!.getAttribute('title')).toMatch(/^95% interval over 2 images: bootstrap percentile of the mean, 2000 resamples over images, seed 1$/);
    // every image the same: the interval is that score
    expect(cellOf(table, 'bicubic', 'SSIMULACRA2').querySelector('.ci')!.textContent).toBe('50.0…50.0');
    // the chart: a whisker from 60 to 70 around local-ai's 65, measured against the gap to bicubic's 50
    const chart = el.querySelector('figure[aria-label="Mean SSIMULACRA2 per provider with 95% intervals"]')!;
    await expect.poll(() => chart.querySelectorAll('.recharts-symbols').length).toBe(3);
    // recharts draws the whiskers in a layer of their own, series by series, in the table's order
    const bars = [...chart.querySelectorAll('.recharts-errorBar')];
    const dots = [...chart.querySelectorAll('.recharts-scatter .recharts-symbols')].map((dot, i) => {
      const b = dot.getBoundingClientRect();
      const lines = [...bars[i].querySelectorAll('line')].map((l) => l.getBoundingClientRect());
      return { x: b.x + b.width / 2, left: Math.min(...lines.map((l) => l.left)), right: Math.max(...lines.map((l) => l.right)) };
    });
    const [local, bicubic] = dots;
    const unit = (local.x - bicubic.x) / 15; // 65 − 50
    expect(unit).toBeGreaterThan(0);
    expect((local.right - local.left) / unit).toBeCloseTo(10, 0);
    expect((local.x - local.left) / unit).toBeCloseTo(5, 0);
    // no whisker past the plot's frame
    const frame = chart.querySelector('.recharts-cartesian-grid')!.getBoundingClientRect();
    for (const d of dots) expect(d.left >= frame.left - 1 && d.right <= frame.right + 1).toBe(true);
  });

  it('says each paired comparison in a sentence, on the metric chosen', async () => {
    fakeBench();
    const el = await mount(<ResultsScreen details={run(rows)} onError={() => {}} />);
    const sentences = () => [...el.querySelectorAll('[data-testid=paired] li')].map((li) => [li.getAttribute('data-verdict'), li.textContent!.slice(1)]);
    expect(el.querySelector('[data-testid=paired] h3')!.textContent).toBe('How sure: image by image, on SSIMULACRA2');
    expect(sentences()).toEqual([
      ['better', 'at webp q80 at ÷2, local-ai beats bicubic by +15 SSIMULACRA2 points (95% CI +10…+20, wins 2 of 2): better on these images'],
      ['better', 'at webp q80 at ÷2, local-ai beats lanczos by +15 SSIMULACRA2 points (95% CI +8…+22, wins 2 of 2): better on these images'],
      ['not distinguishable', 'at webp q80 at ÷2, lanczos ties with bicubic (95% CI −2.0…+2.0, wins 1 of 2): not distinguishable on these images; no number of images would tell them apart (the mean difference is 0)'],
    ]);
    await user.selectOptions(el.querySelector('[aria-label="Quality metric"]')!, 'ssim');
    await expect.poll(() => el.querySelector('[data-testid=paired] h3')!.textContent).toBe('How sure: image by image, on SSIM');
    // +0.01 and −0.01: no telling, and no number of images would tell
    expect(sentences()[0]).toEqual(['not distinguishable', 'at webp q80 at ÷2, local-ai ties with bicubic (95% CI −0.010…+0.010, wins 1 of 2): not distinguishable on these images; no number of images would tell them apart (the mean difference is 0)']);
  });

  it('shows the intervals and sentences summary.json holds, at its seed', async () => {
    fakeBench();
    // twelve images, scores spread unevenly, so the bootstrap's interval depends on its seed
    const spread = [61, 74, 58, 66, 80, 52, 69, 71, 63, 77, 55, 68];
    const many = spread.flatMap((s, i) => [row(i, 'local-ai', { ssimulacra2: s + (i % 4) }), row(i, 'bicubic', { ssimulacra2: s - 1.5 + (i % 3) })]);
    const mean = (p: string) => many.filter((r) => r.provider === p).reduce((a, r) => a + r.ssimulacra2!, 0) / spread.length;
    const providers = ['local-ai', 'bicubic'].map((p) => ({ provider: p, model: p, mean_ssimulacra2: mean(p) }));
    // as summary.json is made (summary.ts's confidenceAnswer), at seed 7
    const { comparisons, confidence } = addConfidence({ providers }, many, access, 70, describeSetting, { seed: 7 });
    const summary = { providers, comparisons, confidence };
    const el = await mount(<ResultsScreen details={run(many, summary)} onError={() => {}} />);
    const table = el.querySelector('[data-testid=per-provider] table')!;
    for (const p of providers) {
      const ci = (p as unknown as { ci: Record<string, { low: number; high: number }> }).ci.mean_ssimulacra2;
      expect(cellOf(table, p.provider, 'SSIMULACRA2').querySelector('.ci')!.textContent).toBe(`${ci.low.toFixed(1)}…${ci.high.toFixed(1)}`);
      expect(cellOf(table, p.provider, 'SSIMULACRA2').querySelector('.ci')!.getAttribute('title')).toMatch(/seed 7$/);
    }
    expect([...el.querySelectorAll('[data-testid=paired] li')].map((li) => li.textContent!.slice(1))).toEqual(comparisons.map((c) => c.sentence));
  });

  it('falls back to summary.json’s sentences where the rows cannot be paired', async () => {
    fakeBench();
    // rows from before the stored setting was a column: nothing to pair them on
    const old = rows.map((r) => ({ ...r, factor: null, format: '' }));
    const saved = { provider: 'local-ai', baseline: 'bicubic', verdict: 'better', factor: 2, format: 'webp', quality: 80, model: 'local-ai', sentence: 'local-ai beats bicubic by +15 SSIMULACRA2 points (95% CI +10…+20, wins 2 of 2): better on these images' };
    const el = await mount(<ResultsScreen details={run(old, { comparisons: [saved], confidence: { metric: 'SSIMULACRA2' } })} onError={() => {}} />);
    expect([...el.querySelectorAll('[data-testid=paired] li')].map((li) => li.textContent!.slice(1))).toEqual([saved.sentence]);
    expect(el.querySelector('[data-testid=paired]')!.textContent).toMatch(/As summary\.json gives them, on SSIMULACRA2\./);
  });

  it('opens each provider’s worst image in the viewer with one click', async () => {
    fakeBench();
    const el = await mount(<ResultsScreen details={run(rows)} onError={() => {}} />);
    const link = el.querySelector<HTMLElement>('[aria-label="View the worst image on SSIMULACRA2 of local-ai: img0.png"]')!;
    expect(link.textContent).toBe('img0.png (60.0)');
    await user.click(link);
    await expect.poll(() => el.querySelector('[role=dialog]')?.getAttribute('aria-label')).toBe('Viewer: img0.png');
    expect(el.querySelector('[data-testid=viewer-scores]')!.textContent).toMatch(/^local-ai · .* · SSIMULACRA2 60\.0/);
    await act(async () => void (await userEvent.keyboard('{Escape}')));
    // judged by SSIM, local-ai's worst is the other image; for a tie (bicubic, 50 on both) the first
    await user.selectOptions(el.querySelector('[aria-label="Quality metric"]')!, 'ssim');
    expect(el.querySelector('[aria-label="View the worst image on SSIM of local-ai: img1.png"]')!.textContent).toBe('img1.png (0.890)');
    expect(el.querySelector('[aria-label^="View the worst image on SSIM of bicubic"]')!.textContent).toBe('img0.png (0.900)');
  });
});

describe('sweep screen: how sure', () => {
  // three images; SSIMULACRA2 by setting: recompress-only q90 at full size, bicubic q90 and q50 at ÷2, local-ai q50 at ÷2
  const scores: [string, number, number, number, number[]][] = [
    ['none', 1, 90, 5000, [84, 86, 85]],
    ['bicubic', 2, 90, 2000, [73, 71, 72]],
    ['bicubic', 2, 50, 1000, [55, 40, 58]],
    ['local-ai', 2, 50, 1000, [62, 57, 61]],
  ];
  const rows = scores.flatMap(([provider, factor, quality, stored, s]) =>
    s.map((v, i) => row(i, provider, { factor, quality, stored_bytes: stored, saved_percent: (10_000 - stored) / 100, ssimulacra2: v })),
  );
  const sweep: RunDetails = { runId: 's1', outDir: '/s', summary: { target: { metric: 'ssimulacra2', value: 70 } }, rows, kind: 'sweep' };

  it('gives the recommendation’s interval, the stopping rule and the comparisons beside it, and error bars on the plot', async () => {
    fakeBench();
    const el = await mount(<SweepResults details={sweep} initialTarget={{ metric: 'ssimulacra2', value: 70 }} onError={() => {}} />);
    expect(el.querySelector('[data-testid=recommendation]')!.textContent).toMatch(/^Recommendation: store as webp q90 at ÷2 and upscale with bicubic/);
    expect(el.querySelector('[data-testid=recommendation-interval]')!.textContent).toBe('Mean SSIMULACRA2 72.0 (95% interval 71.0…73.0 over 3 images) · 3 of 3 images reach ≥ 70.0 · worst image: img1.png (71.0)');
    // q90's interval lies above 70 and the cheaper settings' below it: settled
    await expect.poll(() => el.querySelector('[data-testid=stopping]')!.textContent).toMatch(/^The recommendation is settled: the pick's 95% interval clears the mean SSIMULACRA2 target of 70/);
    // each upscaler at its frontier setting nearest the pick: bicubic's is the pick, local-ai's its only one;
    // every recompress-only copy is larger than theirs, so matched bytes has nothing to compare
    const near = [...el.querySelectorAll('[data-testid=how-sure] li')].map((li) => li.textContent!.slice(1));
    expect(near).toEqual([
      'at webp q90 at ÷2, bicubic against recompress-only at matched bytes: no image to compare (3 images had no recompress-only copy as small)',
      'at webp q50 at ÷2, local-ai beats bicubic by +9 SSIMULACRA2 points (95% CI +3…+17, wins 3 of 3): better on these images',
      'at webp q50 at ÷2, local-ai against recompress-only at matched bytes: no image to compare (3 images had no recompress-only copy as small)',
    ]);
    // the lines the CLI prints after the answer (confidenceLines), from every row
    const points = settingPoints(rows);
    const all = pairedComparisons(rows, access, {}, (r) => describeSetting({ factor: r.factor!, format: r.format, quality: r.quality }));
    const printed = confidenceLines(all, recommend(points, { metric: 'ssimulacra2', value: 70 }), true, frontiers(points, 'ssimulacra2'));
    expect(near).toEqual(printed);
    // each dot's whisker, none past the plot
    const plot = el.querySelector('.sweep-plot')!;
    await expect.poll(() => plot.querySelectorAll('.recharts-errorBar').length).toBe(4);
    const frame = plot.querySelector('.recharts-cartesian-grid')!.getBoundingClientRect();
    for (const l of plot.querySelectorAll('.recharts-errorBar line')) {
      const b = l.getBoundingClientRect();
      expect(b.top >= frame.top - 1 && b.bottom <= frame.bottom + 1).toBe(true);
    }
    // the chosen metric's column gives each mean's interval
    const table = el.querySelector('.settings-table')!;
    const q50 = [...table.querySelectorAll('tbody tr')].find((tr) => tr.children[0].textContent === 'bicubic' && tr.children[4].textContent === '50')!;
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    expect(q50.children[heads.indexOf('SSIMULACRA2')].querySelector('.mean')!.textContent).toBe('51.0');
    expect(q50.children[heads.indexOf('SSIMULACRA2')].querySelector('.ci')!.textContent).toBe('40.0…58.0');
    // a lower target with the slider: the stopping rule follows once it rests
    await act(async () => {
      const range = el.querySelector<HTMLInputElement>('.target input[type=range]')!;
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(range, '52');
      range.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(el.querySelector('[data-testid=recommendation]')!.textContent).toMatch(/^Recommendation: store as webp q50 at ÷2 and upscale with local-ai/);
    // until the slider rests, the last rule is shown greyed
    expect(el.querySelector('[data-testid=stopping]')!.getAttribute('aria-busy')).toBe('true');
    await act(() => new Promise((r) => setTimeout(r, 400)));
    expect(el.querySelector('[data-testid=stopping]')!.getAttribute('aria-busy')).toBeNull();
    await expect.poll(() => el.querySelector('[data-testid=stopping]')!.textContent).toMatch(/^The recommendation is (not )?settled: .* mean SSIMULACRA2 target of 52/);
  });

  it('opens a setting’s worst image in the viewer, the rest of its images after it, worst first', async () => {
    fakeBench();
    const el = await mount(<SweepResults details={sweep} initialTarget={{ metric: 'ssimulacra2', value: 70 }} onError={() => {}} />);
    const link = el.querySelector<HTMLElement>('[aria-label="View the worst image on SSIMULACRA2 of bicubic webp q50 at ÷2: img1.png"]')!;
    expect(link.textContent).toBe('img1.png (40.0)');
    await user.click(link);
    const viewer = () => el.querySelector('[role=dialog]')!;
    await expect.poll(() => viewer()?.getAttribute('aria-label')).toBe('Viewer: img1.png');
    expect(el.querySelector('[data-testid=viewer-scores]')!.textContent).toMatch(/^bicubic · webp q50 at ÷2 · .*SSIMULACRA2 40\.0/);
    const nav = () => viewer().querySelector('[aria-label="Images of this setting"]')!.textContent;
    expect(nav()).toMatch(/1 of 3 · worst SSIMULACRA2 first/);
    // the next worst: img0 (55), then img2 (58)
    await user.click(viewer().querySelector('[aria-label="Next image"]')!);
    await expect.poll(() => viewer().getAttribute('aria-label')).toBe('Viewer: img0.png');
    await user.click(viewer().querySelector('[aria-label="Next image"]')!);
    await expect.poll(() => viewer().getAttribute('aria-label')).toBe('Viewer: img2.png');
    await act(async () => void (await userEvent.keyboard('{Escape}')));
    // and from the recommendation itself
    await user.click(el.querySelector('[data-testid=recommendation-interval] button')!);
    await expect.poll(() => el.querySelector('[role=dialog]')?.getAttribute('aria-label')).toBe('Viewer: img1.png');
    expect(el.querySelector('[data-testid=viewer-scores]')!.textContent).toMatch(/^bicubic · webp q90 at ÷2 · .*SSIMULACRA2 71\.0/);
  });
});
