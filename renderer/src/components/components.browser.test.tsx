import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { LocalModelSummary, RunDetails, RunListItem, UiRow } from '../../../preload/ipc-contract';
import { ResultsTable } from './ResultsTable';
import { QualitySavingsScatter, ScoreHistogram } from './Charts';
import { Viewer } from './Viewer';
import { SetupScreen } from '../screens/SetupScreen';
import { RunsScreen } from '../screens/RunsScreen';
import { ResultsScreen } from '../screens/ResultsScreen';
import { RunScreen, type LiveRun } from '../screens/RunScreen';
import { SweepScreen } from '../screens/SweepScreen';
import { SweepResults } from './SweepResults';
import { ModelPicker } from './ModelPicker';
import { App } from '../App';
import '../styles.css';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// Playwright's real events reach React outside act(); inside it React applies their updates before the test looks.
const user = {
  click: (el: HTMLElement) => act(async () => void (await userEvent.click(el))),
  selectOptions: (el: HTMLElement, value: string) => act(async () => void (await userEvent.selectOptions(el, value))),
  fill: (el: HTMLElement, text: string) => act(async () => void (await userEvent.fill(el, text))),
  keyboard: (keys: string) => act(async () => void (await userEvent.keyboard(keys))),
};

const row = (i: number, provider: string, over: Partial<UiRow> = {}): UiRow => ({
  row: i,
  image_path: `/photos/img${i}.png`,
  status: 'ok',
  error: '',
  provider,
  model: provider,
  factor: 4,
  format: 'png',
  quality: null,
  width: 64,
  height: 48,
  original_bytes: 10_000 + i,
  stored_bytes: 1_000,
  saved_percent: 90 - i,
  upscale_ms: 100 * i,
  wait_ms: 0,
  upscale_threads: 1,
  orb_score: 0.5 + i / 40,
  psnr: 20 + i,
  identical: false,
  ssim: 0.6 + i / 40,
  ssimulacra2: null,
  butteraugli: null,
  butteraugli_3norm: null,
  notes: '',
  ...over,
});
const rows: UiRow[] = [
  row(0, 'bicubic'),
  row(1, 'local-ai'),
  row(2, 'bicubic', { status: 'error', error: 'image is damaged or truncated', psnr: null, ssim: null, orb_score: null }),
  row(3, 'local-ai', { psnr: null, identical: true }),
];

let root: Root | undefined;
let host: HTMLElement;
async function mount(node: React.ReactNode) {
  host = document.createElement('div');
  document.body.append(host);
  root = createRoot(host);
  await act(async () => root!.render(node));
  return host;
}
afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
});

describe('ResultsTable', () => {
  it('sorts by a column, both ways, and marks the header', async () => {
    const el = await mount(<ResultsTable rows={rows} onView={() => {}} />);
    const header = () => [...el.querySelectorAll('th')].find((th) => th.textContent?.startsWith('PSNR'))!;
    await user.click(header().querySelector('button')!);
    const first = header().getAttribute('aria-sort');
    const psnrs = () => [...el.querySelectorAll('tbody tr')].map((tr) => tr.children[7].textContent);
    expect(first).toMatch(/ascending|descending/);
    const once = psnrs();
    await user.click(header().querySelector('button')!);
    expect(header().getAttribute('aria-sort')).not.toBe(first);
    expect(psnrs()).not.toEqual(once);
    expect(psnrs()).toContain('∞');
  });

  it('filters by status, provider and text, and counts', async () => {
    const el = await mount(<ResultsTable rows={rows} onView={() => {}} />);
    const count = () => el.querySelector<HTMLElement>('[data-testid=row-count]')!.textContent;
    expect(count()).toBe('4 of 4 rows');
    await user.selectOptions(el.querySelector<HTMLElement>('[aria-label="Status filter"]')!, 'error');
    expect(count()).toBe('1 of 4 rows');
    expect(el.querySelector<HTMLElement>('tbody')!.textContent).toContain('image is damaged or truncated');
    await user.selectOptions(el.querySelector<HTMLElement>('[aria-label="Status filter"]')!, 'all');
    await user.selectOptions(el.querySelector<HTMLElement>('[aria-label="Provider filter"]')!, 'local-ai');
    expect(count()).toBe('2 of 4 rows');
    await user.fill(el.querySelector<HTMLElement>('[aria-label="Filter rows"]')!, 'img3');
    expect(count()).toBe('1 of 4 rows');
  });

  it('offers View only on ok rows and hands the row over', async () => {
    const onView = vi.fn();
    const el = await mount(<ResultsTable rows={rows} onView={onView} />);
    const buttons = [...el.querySelectorAll('button')].filter((b) => b.textContent === 'View');
    expect(buttons).toHaveLength(3);
    await user.click(buttons[0]);
    expect(onView).toHaveBeenCalledWith(expect.objectContaining({ status: 'ok' }));
  });
});

describe('a big run', () => {
  // 5,000 rows: a page of them is drawn, the rest sorted, filtered and exported all the same
  const many = Array.from({ length: 5000 }, (_, i) => row(i, i % 2 ? 'local-ai' : 'bicubic', { image_path: `/photos/img${i}.png`, psnr: 20 + ((i * 37) % 1000) / 100, saved_percent: 50 + (i % 40) }));

  it('draws the table a page at a time; sorting, filtering, the viewer link and the export cover every row', async () => {
    const onView = vi.fn();
    let exported: UiRow[] = [];
    const el = await mount(<ResultsTable rows={many} onView={onView} onFiltered={(r) => (exported = r)} />);
    expect(el.querySelectorAll('tbody tr')).toHaveLength(100);
    expect(el.querySelector('[data-testid=row-count]')!.textContent).toBe('5,000 of 5,000 rows');
    expect(el.querySelector('[data-testid=page]')!.textContent).toBe('rows 1–100 · page 1 of 50');
    expect(exported).toHaveLength(5000);
    // sorted by PSNR over all 5,000: the best of them on page 1, whichever page it was on
    const header = [...el.querySelectorAll('th')].find((th) => th.textContent?.startsWith('PSNR'))!;
    await user.click(header.querySelector('button')!);
    if (header.getAttribute('aria-sort') === 'ascending') await user.click(header.querySelector('button')!);
    const top = Math.max(...many.map((r) => r.psnr!));
    expect(el.querySelector('tbody tr')!.children[7].textContent).toBe(top.toFixed(2));
    expect(exported[0].psnr).toBe(top);
    await user.click(el.querySelector<HTMLElement>('[aria-label="Last page"]')!);
    expect(el.querySelector('[data-testid=page]')!.textContent).toBe('rows 4,901–5,000 · page 50 of 50');
    expect(el.querySelector('tbody tr:last-child')!.children[7].textContent).toBe(Math.min(...many.map((r) => r.psnr!)).toFixed(2));
    // View on the last page hands over that row
    const views = [...el.querySelectorAll<HTMLElement>('tbody button')].filter((b) => b.textContent === 'View');
    await user.click(views.at(-1)!);
    expect(onView).toHaveBeenLastCalledWith(exported.at(-1));
    // a filter goes back to page 1 and counts every match
    await user.fill(el.querySelector<HTMLElement>('[aria-label="Filter rows"]')!, 'img49');
    expect(el.querySelector('[data-testid=row-count]')!.textContent).toBe('111 of 5,000 rows');
    expect(el.querySelector('[data-testid=page]')!.textContent).toBe('rows 1–100 · page 1 of 2');
    expect(exported).toHaveLength(111);
    await user.selectOptions(el.querySelector<HTMLElement>('[aria-label="Rows per page"]')!, '250');
    expect(el.querySelectorAll('tbody tr')).toHaveLength(111);
  });

  it('draws an even sample of the scatter’s dots past 2,000 and says so', async () => {
    const el = await mount(
      <div style={{ width: 600 }}>
        <QualitySavingsScatter rows={many} metric="psnr" />
      </div>,
    );
    await expect.poll(() => el.querySelectorAll('.recharts-scatter-symbol').length).toBe(2000);
    expect(el.querySelector('[data-testid=scatter-sample]')!.textContent).toBe(' — an even sample: 2,000 of 5,000 dots (the histograms count every row)');
    // both providers drawn, a thousand each
    expect([...el.querySelectorAll('.recharts-scatter')].map((g) => g.querySelectorAll('.recharts-scatter-symbol').length)).toEqual([1000, 1000]);
    // and a run under the cap is drawn whole, with no note
    act(() => root?.unmount());
    const small = await mount(<div style={{ width: 600 }}><QualitySavingsScatter rows={many.slice(0, 300)} metric="psnr" /></div>);
    await expect.poll(() => small.querySelectorAll('.recharts-scatter-symbol').length).toBe(300);
    expect(small.querySelector('[data-testid=scatter-sample]')).toBeNull();
  });
});

describe('charts', () => {
  it('draws one scatter series per provider, errors left out, each its own shape, see-through, with both axes named', async () => {
    const el = await mount(
      <div style={{ width: 600 }}>
        <QualitySavingsScatter rows={rows} />
      </div>,
    );
    await expect.poll(() => el.querySelectorAll('.recharts-scatter').length).toBe(2);
    // bicubic has one ok row with SSIM, local-ai two
    const series = [...el.querySelectorAll('.recharts-scatter')];
    expect(series.map((s) => s.querySelectorAll('.recharts-symbols').length).sort()).toEqual([1, 2]);
    const shapes = series.map((s) => s.querySelector('.recharts-symbols')!.getAttribute('d')!.replace(/[\d.-]+/g, '#'));
    expect(new Set(shapes).size).toBe(2);
    for (const s of series) expect(Number(s.querySelector('.recharts-symbols')!.getAttribute('fill-opacity'))).toBeLessThan(1);
    const labels = [...el.querySelectorAll('.recharts-label')].map((l) => l.textContent);
    expect(labels).toEqual(expect.arrayContaining(['bytes saved (%)', 'SSIM']));
    expect([...el.querySelectorAll('.recharts-legend-item')].map((l) => l.textContent)).toEqual(['bicubic', 'local-ai']);
    // the y axis follows the chosen metric
    await user.selectOptions(el.querySelector<HTMLElement>('[aria-label="Scatter quality metric"]')!, 'psnr');
    await expect.poll(() => [...el.querySelectorAll('.recharts-label')].map((l) => l.textContent)).toContain('PSNR (dB)');
  });

  it('keeps two providers’ dots for the same image apart', async () => {
    const same = [row(0, 'bicubic', { ssim: 0.8 }), row(0, 'lanczos', { ssim: 0.8 })];
    const el = await mount(
      <div style={{ width: 600 }}>
        <QualitySavingsScatter rows={same} />
      </div>,
    );
    await expect.poll(() => el.querySelectorAll('.recharts-symbols').length).toBeGreaterThanOrEqual(2);
    const centres = [...el.querySelectorAll('.recharts-scatter .recharts-symbols')].map((p) => {
      const b = p.getBoundingClientRect();
      return b.x + b.width / 2;
    });
    expect(Math.abs(centres[0] - centres[1])).toBeGreaterThan(6);
  });

  it('bins scores over the range the data covers', async () => {
    const el = await mount(
      <div style={{ width: 600 }}>
        <ScoreHistogram rows={rows} metric="ssim" />
      </div>,
    );
    await expect.poll(() => el.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0);
    // SSIM 0.6–0.675 here: bins of 0.01 from 0.60, not 0.1 over 0–1
    // bin labels are the ticks with a dash (recharts draws every axis's labels in one layer)
    const ticks = [...el.querySelectorAll('.recharts-cartesian-axis-tick-value')].map((t) => t.textContent).filter((t) => t?.includes('–'));
    expect(ticks[0]).toBe('0.60–0.61');
    expect(ticks).not.toContain('0.0–0.1');
    expect(ticks.length).toBeGreaterThanOrEqual(5);
  });

  it('names every bin by its range, in a chart as narrow as a results card', async () => {
    // ORB 0.50–0.99: ten bins of 0.05, more labels than fit flat in 320 px
    const spread = Array.from({ length: 12 }, (_, i) => row(i, i % 2 ? 'local-ai' : 'bicubic', { orb_score: 0.5 + i * 0.0445 }));
    const el = await mount(
      <div style={{ width: 320 }}>
        <ScoreHistogram rows={spread} metric="orb" />
      </div>,
    );
    await expect.poll(() => el.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0);
    const labels = () => [...el.querySelectorAll('.recharts-cartesian-axis-tick-value')].filter((t) => t.textContent?.includes('–'));
    const ticks = labels().map((t) => t.textContent);
    expect(ticks).toEqual(['0.50–0.55', '0.55–0.60', '0.60–0.65', '0.65–0.70', '0.70–0.75', '0.75–0.80', '0.80–0.85', '0.85–0.90', '0.90–0.95', '0.95–1.00']);
    // and no two labels overlap
    const boxes = labels().map((t) => t.getBoundingClientRect());
    for (let i = 1; i < boxes.length; i++) expect(boxes[i].left).toBeGreaterThanOrEqual(boxes[i - 1].left + 4);
  });
});

describe('Viewer', () => {
  const png = (colour: string, w = 64, h = 48) => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d')!;
    g.fillStyle = colour;
    g.fillRect(0, 0, w, h);
    return c.toDataURL('image/png').split(',')[1];
  };
  const colours: Record<string, string> = { original: '#f00', stored: '#0f0', upscaled: '#00f' };
  const fakeRead = (w = 64, h = 48) => vi.fn(async (_run: string, _row: number, which: string) => ({ mime: 'image/png', base64: png(colours[which], w, h), width: w, height: h }));
  const shown = (el: HTMLElement) => [...el.querySelectorAll<HTMLImageElement>('.panes img')];

  it('loads original, stored and upscaled, zooms all together, switches to the slider and closes on Escape', async () => {
    const read = fakeRead();
    (window as unknown as { bench: unknown }).bench = { images: { read } };
    const onClose = vi.fn();
    const el = await mount(<Viewer runId="r1" row={rows[1]} onClose={onClose} />);
    await expect.poll(() => shown(el).length).toBe(3);
    expect(read.mock.calls.map((c) => c[2]).sort()).toEqual(['original', 'stored', 'upscaled']);
    expect(el.querySelector<HTMLElement>('[data-testid=viewer-scores]')!.textContent).toMatch(/PSNR 21\.00 dB · SSIM 0\.625 · ORB 0\.525/);
    await user.click(el.querySelector<HTMLElement>('[aria-label="Zoom in"]')!);
    const transforms = shown(el).map((i) => i.style.transform);
    expect(new Set(transforms).size).toBe(1);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Slider')!);
    await expect.poll(() => el.querySelectorAll('.slider img').length).toBe(2);
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
  });

  it('means one image pixel per screen pixel by 100%, and offers Fit apart', async () => {
    (window as unknown as { bench: unknown }).bench = { images: { read: fakeRead(1600, 1200) } };
    const el = await mount(<Viewer runId="r1" row={{ ...rows[1], width: 1600, height: 1200 }} onClose={() => {}} />);
    await expect.poll(() => shown(el).length).toBe(3);
    const button = (name: string) => [...el.querySelectorAll('button')].find((b) => b.textContent === name)!;
    const zoomText = () => el.querySelector('[data-testid=zoom]')!.textContent;
    const onScreen = () => shown(el)[0].getBoundingClientRect();
    const stage = () => shown(el)[0].parentElement!.getBoundingClientRect();
    // it opens fitted: the whole image inside its pane, and the zoom says how small that is
    await expect.poll(() => Math.round(Math.max(onScreen().width / stage().width, onScreen().height / stage().height) * 100)).toBe(100);
    expect(Number(zoomText()!.replace('%', ''))).toBeLessThan(50);
    await user.click(button('100%'));
    expect(zoomText()).toBe('100%');
    expect(onScreen().width * devicePixelRatio).toBeCloseTo(1600, 0);
    expect(onScreen().height * devicePixelRatio).toBeCloseTo(1200, 0);
    await user.click(button('Fit'));
    expect(onScreen().width).toBeLessThanOrEqual(stage().width + 0.5);
    expect(button('Fit').getAttribute('aria-pressed')).toBe('true');
  });

  it('keeps 100% at the original’s pixels when main sends a smaller preview, and says so', async () => {
    (window as unknown as { bench: unknown }).bench = { images: { read: fakeRead(800, 600) } };
    const el = await mount(<Viewer runId="r1" row={{ ...rows[1], width: 1600, height: 1200 }} onClose={() => {}} />);
    await expect.poll(() => shown(el).length).toBe(3);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === '100%')!);
    expect(shown(el)[0].getBoundingClientRect().width * devicePixelRatio).toBeCloseTo(1600, 0);
    expect(el.textContent).toContain('Shown from a preview of at most 4096 px a side (the original is 1600×1200)');
  });

  it('puts another provider’s output beside this one', async () => {
    const read = fakeRead();
    (window as unknown as { bench: unknown }).bench = { images: { read } };
    const sibling = row(7, 'bicubic', { image_path: rows[1].image_path });
    const el = await mount(<Viewer runId="r1" row={rows[1]} siblings={[rows[1], sibling]} onClose={() => {}} />);
    await expect.poll(() => shown(el).length).toBe(3);
    const box = (label: string) => [...el.querySelectorAll('label')].find((l) => l.textContent?.trim() === label)!.querySelector('input')!;
    await user.click(box('Stored (downscaled)'));
    await user.click(box('Upscaled (bicubic)'));
    await expect.poll(() => shown(el).map((i) => i.alt)).toEqual([`Original of img1.png`, `Upscaled (local-ai) of img1.png`, `Upscaled (bicubic) of img1.png`]);
    expect(read).toHaveBeenCalledWith('r1', 7, 'upscaled');
    // and in the slider, either side can be any of them
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Slider')!);
    await user.selectOptions(el.querySelector<HTMLElement>('[aria-label="Left image"]')!, 'up:7');
    await expect.poll(() => [...el.querySelectorAll<HTMLImageElement>('.slider img')].map((i) => i.alt).sort()).toEqual(['Upscaled (bicubic)', 'Upscaled (local-ai)']);
  });

  it('keeps every pane’s image at the same height however long its title', async () => {
    (window as unknown as { bench: unknown }).bench = { images: { read: fakeRead() } };
    const long = { ...rows[1], provider: 'an-imported-model-with-a-name-long-enough-to-wrap-in-a-third-of-the-window' };
    const el = await mount(<Viewer runId="r1" row={long} onClose={() => {}} />);
    await expect.poll(() => shown(el).length).toBe(3);
    const tops = shown(el).map((i) => i.getBoundingClientRect().top);
    expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(0.5);
    // the title is cut to one line, its full text in the tooltip
    const captions = [...el.querySelectorAll<HTMLElement>('.panes figcaption')];
    expect(captions[2].scrollWidth).toBeGreaterThan(captions[2].clientWidth);
    expect(captions[2].title).toContain(long.provider);
  });

  it('shows where an output departs from the original as a heat map pane, says which map it is, with its scale, in line with the others', async () => {
    const read = fakeRead();
    const heat = { mime: 'image/png', base64: png('#fcfdbf'), width: 64, height: 48, kind: 'butteraugli', label: 'Butteraugli distance per pixel (1 ≈ just noticeable)', stops: ['#000004', '#fcfdbf'], max: 3, ticks: [{ value: 0, label: '0' }, { value: 1, label: '1 just noticeable' }, { value: 3, label: '≥ 3' }], peak: 4.2, scaledFrom: null };
    const heatmap = vi.fn(async () => heat);
    (window as unknown as { bench: unknown }).bench = { images: { read, heatmap } };
    const el = await mount(<Viewer runId="r1" row={{ ...rows[1], butteraugli: 4.2, butteraugli_3norm: 1.3 }} onClose={() => {}} />);
    await expect.poll(() => shown(el).length).toBe(3);
    // computed only when asked for
    expect(heatmap).not.toHaveBeenCalled();
    const box = [...el.querySelectorAll('label')].find((l) => l.textContent?.trim() === 'Difference map (local-ai)')!.querySelector('input')!;
    await user.click(box);
    await expect.poll(() => shown(el).length).toBe(4);
    expect(heatmap).toHaveBeenCalledWith('r1', 1);
    const pane = [...el.querySelectorAll<HTMLElement>('.panes .pane')].find((p) => p.querySelector('figcaption')!.textContent!.startsWith('Difference map'))!;
    expect(pane.querySelector('figcaption')!.textContent).toContain('Butteraugli distance per pixel (1 ≈ just noticeable)');
    const legend = pane.querySelector<HTMLElement>('[data-testid=heat-legend]')!;
    expect([...legend.querySelectorAll('.ticks span')].map((t) => t.textContent)).toEqual(['0', '1 just noticeable', '≥ 3']);
    expect(getComputedStyle(legend.querySelector('.bar')!).backgroundImage).toMatch(/linear-gradient/);
    // the map lies exactly over the other images: same place in its pane, same size, same zoom
    const boxes = shown(el).map((i) => i.getBoundingClientRect());
    for (const b of boxes) {
      expect(b.top).toBeCloseTo(boxes[0].top, 1);
      expect(b.width).toBeCloseTo(boxes[0].width, 1);
      expect(b.height).toBeCloseTo(boxes[0].height, 1);
    }
    expect(el.querySelector<HTMLElement>('[data-testid=viewer-scores]')!.textContent).toContain('Butteraugli 4.20 (3-norm 1.30)');
  });

  it('draws the slider’s divider, with a handle, where the split is', async () => {
    (window as unknown as { bench: unknown }).bench = { images: { read: fakeRead() } };
    const el = await mount(<Viewer runId="r1" row={rows[1]} onClose={() => {}} />);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Slider')!);
    await expect.poll(() => el.querySelectorAll('.slider img').length).toBe(2);
    const divider = el.querySelector<HTMLElement>('[data-testid=slider-divider]')!;
    const stage = el.querySelector<HTMLElement>('.slider .stage')!.getBoundingClientRect();
    const at = () => {
      const r = divider.getBoundingClientRect();
      return (r.left + r.width / 2 - stage.left) / stage.width;
    };
    expect(divider.getBoundingClientRect().height).toBeCloseTo(stage.height, 0);
    expect(divider.getBoundingClientRect().width).toBeGreaterThanOrEqual(2);
    expect(getComputedStyle(divider).backgroundColor).toBe('rgb(255, 255, 255)');
    // a dark edge too, so the white line shows on a light image
    expect(getComputedStyle(divider).boxShadow).toMatch(/rgba\(0, 0, 0/);
    expect(divider.querySelector('.handle')!.getBoundingClientRect().width).toBeGreaterThan(20);
    expect(at()).toBeCloseTo(0.5, 2);
    const range = el.querySelector<HTMLInputElement>('[aria-label="Slider position"]')!;
    await act(async () => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(range, '30');
      range.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(at()).toBeCloseTo(0.3, 2);
  });
});

describe('SetupScreen', () => {
  const fakeBench = (over: Record<string, unknown> = {}) => {
    const start = vi.fn(async () => ({ jobId: 'j', runId: 'r', outDir: '/x' }));
    (window as unknown as { bench: unknown }).bench = {
      models: {
        list: async () => [
          { name: 'thick', kind: 'built-in', architecture: 'RRDN', scales: [2, 3, 4, 8], summary: 'RRDN', speed: { mpsOut: 0.15, scale: 4, where: 'reference machine' }, int8: { speed: { mpsOut: 0.22, scale: 4, where: 'reference machine' }, summary: 'faster' }, sizeBytes: null },
          { name: 'slim', kind: 'built-in', architecture: 'RDN', scales: [2, 3, 4, 8], summary: 'fast', speed: { mpsOut: 2.3, scale: 4, where: 'reference machine' }, sizeBytes: null },
        ],
      },
      settings: { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1, resultsFolder: '/home/ana/Upscale Bench', resultsFolderIsDefault: true }), set: async () => ({}) },
      dialogs: { pickInput: async () => ({ path: '/photos', kind: 'folder', count: 4 }), pickOutput: async () => null },
      inputs: { imageSizes: async () => ({ total: 4, sizes: [{ width: 1920, height: 1080 }, { width: 3000, height: 2000 }, { width: 4032, height: 3024 }, { width: 1600, height: 1000 }] }) },
      jobs: { start, onProgress: () => () => {} },
      ...over,
    };
    return { start };
  };
  const startButton = (el: HTMLElement) => [...el.querySelectorAll('button')].find((b) => b.textContent === 'Start run')!;

  it('shows where runs really go', async () => {
    fakeBench();
    const el = await mount(<SetupScreen busy={false} onStarted={() => {}} onError={() => {}} />);
    await expect.poll(() => el.querySelector('[data-testid=results-folder]')!.textContent).toBe('/home/ana/Upscale Bench (default)');
  });

  it('estimates from the images’ sizes, as a range, and follows the model', async () => {
    fakeBench();
    const el = await mount(<SetupScreen busy={false} onStarted={() => {}} onError={() => {}} />);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Choose folder…')!);
    const text = () => el.querySelector('[data-testid=estimate]')!.textContent ?? '';
    await expect.poll(text).toMatch(/Expected time: \d+ min( \d+ s)? – \d+ min( \d+ s)? for 4 images \(22\.? ?\d* ?MP\)|Expected time: .* for 4 images \(2\d MP\)/);
    expect(text()).not.toMatch(/0\.3 MP/);
    const thick = text();
    await user.selectOptions(el.querySelector<HTMLElement>('[data-testid=local-model]')!, 'slim');
    await expect.poll(text).not.toBe(thick);
  });

  it('says what is wrong with the quality beside the field, and keeps Start disabled until it is right', async () => {
    const { start } = fakeBench();
    const el = await mount(<SetupScreen busy={false} onStarted={() => {}} onError={() => {}} />);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Choose folder…')!);
    await expect.poll(() => startButton(el).disabled).toBe(false);
    const quality = [...el.querySelectorAll('label')].find((l) => l.textContent?.startsWith('Quality'))!.querySelector('input')!;
    await user.fill(quality, '150');
    await expect.poll(() => el.querySelector('#quality-error')?.textContent).toBe('Quality goes from 1 to 100; 150 is too high.');
    expect(quality.getAttribute('aria-invalid')).toBe('true');
    expect(startButton(el).disabled).toBe(true);
    expect(el.textContent).not.toMatch(/expected|Too big|lastRun/);
    await user.fill(quality, '');
    await expect.poll(() => el.querySelector('#quality-error')?.textContent).toBe('Enter a quality from 1 to 100.');
    await user.fill(quality, '75');
    await expect.poll(() => el.querySelector('#quality-error')).toBeNull();
    expect(startButton(el).disabled).toBe(false);
    await user.click(startButton(el));
    expect(start).toHaveBeenCalledWith(expect.objectContaining({ quality: 75 }));
  });
});

describe('SetupScreen with an s3:// prefix', () => {
  it('checks the address and the sample as they are typed, lists the prefix, and starts a sampled run of it', async () => {
    const start = vi.fn(async () => ({ jobId: 'j', runId: 'r', outDir: '/x' }));
    const s3Prefix = vi.fn(async ({ uri }: { uri: string }) => ({ path: uri, kind: 's3', count: 301 }));
    (window as unknown as { bench: unknown }).bench = {
      models: { list: async () => [{ name: 'thick', kind: 'built-in', architecture: 'RRDN', scales: [2, 3, 4, 8], summary: 'RRDN', speed: { mpsOut: 0.15, scale: 4, where: 'reference machine' }, sizeBytes: null }] },
      settings: { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1, resultsFolder: '/r', resultsFolderIsDefault: true }), set: async () => ({}) },
      dialogs: { pickInput: async () => null, pickOutput: async () => null },
      inputs: { s3Prefix, imageSizes: async () => ({ total: 301, sizes: [] }) },
      jobs: { start, onProgress: () => () => {} },
    };
    const el = await mount(<SetupScreen busy={false} onStarted={() => {}} onError={() => {}} />);
    const field = (label: string) => [...el.querySelectorAll('label')].find((l) => l.textContent?.startsWith(label))!.querySelector('input')!;
    const use = () => [...el.querySelectorAll('button')].find((b) => b.textContent === 'Use prefix')!;
    await user.fill(field('or S3 prefix'), 's3://Bad_Bucket/photos');
    await expect.poll(() => el.querySelector('#input-summary-s3-error')?.textContent).toBe('an address such as s3://bucket/photos');
    expect(use().disabled).toBe(true);
    await user.fill(field('or S3 prefix'), 's3://corpus/photos');
    await user.fill(field('Sample'), 'fifty');
    await expect.poll(() => el.querySelector('#input-summary-s3-error')?.textContent).toBe('the sample is a whole number of images, 1 or more (empty: every image)');
    await user.fill(field('Sample'), '50');
    await expect.poll(() => use().disabled).toBe(false);
    await user.click(use());
    expect(s3Prefix).toHaveBeenCalledWith({ uri: 's3://corpus/photos' });
    await expect.poll(() => el.querySelector('[data-testid=input-summary]')!.textContent).toBe('s3://corpus/photos — 301 images, a sample of 50 (seed 7)');
    await expect.poll(() => el.querySelector('[data-testid=estimate]')?.textContent ?? '').toMatch(/for 50 images/);
    const startRun = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Start run')!;
    await expect.poll(() => startRun.disabled).toBe(false);
    await user.click(startRun);
    expect(start).toHaveBeenCalledWith(expect.objectContaining({ input: 's3://corpus/photos', sample: { n: 50, seed: 7 } }));
  });
});

describe('SetupScreen with PNG', () => {
  it('turns the quality off for lossless PNG, so it cannot block a run', async () => {
    (window as unknown as { bench: unknown }).bench = {
      models: { list: async () => [] },
      settings: { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1, resultsFolder: '/r', resultsFolderIsDefault: true, lastRun: { quality: 90, format: 'png' } }), set: async () => ({}) },
      dialogs: { pickInput: async () => ({ path: '/photos', kind: 'folder', count: 1 }) },
      inputs: { imageSizes: async () => ({ total: 1, sizes: [{ width: 100, height: 100 }] }) },
      jobs: { onProgress: () => () => {} },
    };
    const el = await mount(<SetupScreen busy={false} onStarted={() => {}} onError={() => {}} />);
    const quality = () => [...el.querySelectorAll('label')].find((l) => l.textContent?.startsWith('Quality'))!.querySelector('input')!;
    await expect.poll(() => quality().disabled).toBe(true);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Choose folder…')!);
    await expect.poll(() => [...el.querySelectorAll('button')].find((b) => b.textContent === 'Start run')!.disabled).toBe(false);
  });
});

describe('RunsScreen', () => {
  it('shows each run’s input, settings and models, with images and results counted apart', async () => {
    const run: RunListItem = {
      runId: 'TestResults/2026-11-25-15-04-12',
      outDir: '/r',
      kind: 'run',
      grid: null,
      startedAt: '2026-11-25T15:04:12Z',
      status: 'completed',
      input: '/home/ana/photos',
      inputs: 4,
      rows: 8,
      ok: 6,
      errors: 2,
      notRun: 0,
      providers: ['local-ai', 'bicubic'],
      models: ['local-ai · esrgan-thick x4', 'bicubic'],
      factor: 4,
      fit: null,
      format: 'webp',
      quality: 80,
      savedPercent: 93.2,
    };
    const cancelled: RunListItem = { ...run, runId: 'b', status: 'cancelled', inputs: 5, rows: 1, ok: 1, errors: 0, notRun: 4, providers: ['bicubic'], models: ['bicubic'], fit: { min: 100, max: 200 }, factor: null, format: 'png', quality: 90 };
    (window as unknown as { bench: unknown }).bench = { runs: { list: async () => [run, cancelled] } };
    const el = await mount(<RunsScreen onOpen={() => {}} onError={() => {}} onResumed={() => {}} />);
    await expect.poll(() => el.querySelectorAll('tbody tr').length).toBe(2);
    const cells = (i: number) => [...el.querySelectorAll('tbody tr')[i].querySelectorAll('td')].map((td) => td.textContent);
    expect(cells(0).slice(2, 8)).toEqual(['photos', '÷4 · webp q80', 'local-ai · esrgan-thick x4bicubic', '4', '6 ok · 2 errors4 images × 2 providers', '93.2%']);
    expect(cells(1).slice(3, 7)).toEqual(['fit 100–200 px · png', 'bicubic', '1 of 5', '1 ok1 image × 1 provider']);
  });

  it('counts a sweep’s results as images × settings × providers, the full-size settings apart', async () => {
    const sweep: RunListItem = {
      runId: 's',
      outDir: '/s',
      kind: 'sweep',
      grid: { factors: [1, 2, 4], formats: ['webp', 'png'], qualities: [50, 80] },
      startedAt: '2026-11-25T15:04:12Z',
      status: 'completed',
      input: '/p',
      inputs: 3,
      // 3 images × (6 settings × 3 providers + 3 full-size)
      rows: 63,
      ok: 63,
      errors: 0,
      notRun: 0,
      providers: ['bicubic', 'lanczos', 'local-ai'],
      models: ['bicubic', 'lanczos', 'local-ai · esrgan-slim x2'],
      factor: null,
      fit: null,
      format: null,
      quality: null,
      savedPercent: 97,
    };
    const upOnly: RunListItem = { ...sweep, runId: 't', grid: { factors: [2, 4], formats: ['webp', 'jpeg'], qualities: [30, 50] }, rows: 72, ok: 72 };
    (window as unknown as { bench: unknown }).bench = { runs: { list: async () => [sweep, upOnly] } };
    const el = await mount(<RunsScreen onOpen={() => {}} onError={() => {}} onResumed={() => {}} />);
    await expect.poll(() => el.querySelectorAll('tbody tr').length).toBe(2);
    const results = (i: number) => el.querySelectorAll('tbody tr')[i].querySelectorAll('td')[6].querySelector('.hint')!.textContent;
    expect(results(0)).toBe('3 images × (6 settings × 3 providers + 3 full-size settings)');
    expect(results(1)).toBe('3 images × 8 settings × 3 providers');
  });

  it('keeps the action cell a table cell, its borders in line with its row’s', async () => {
    const run = { runId: 'a', outDir: '/a', kind: 'run', grid: null, startedAt: '2026-11-25T15:04:12Z', status: 'cancelled', input: '/p', inputs: 2, rows: 1, ok: 1, errors: 0, notRun: 1, providers: ['bicubic'], models: ['bicubic'], factor: 2, fit: null, format: 'png', quality: null, savedPercent: 50 } satisfies RunListItem;
    (window as unknown as { bench: unknown }).bench = { runs: { list: async () => [run, { ...run, runId: 'b', status: 'completed' }] } };
    const el = await mount(<RunsScreen onOpen={() => {}} onError={() => {}} onResumed={() => {}} />);
    await expect.poll(() => el.querySelectorAll('tbody tr').length).toBe(2);
    for (const tr of el.querySelectorAll('tbody tr')) {
      const row = tr.getBoundingClientRect();
      for (const td of tr.querySelectorAll('td')) {
        expect(getComputedStyle(td).display).toBe('table-cell');
        expect(td.getBoundingClientRect().top).toBeCloseTo(row.top, 0);
        expect(td.getBoundingClientRect().bottom).toBeCloseTo(row.bottom, 0);
      }
    }
  });
});

describe('ResultsScreen', () => {
  const details = (list: UiRow[]): RunDetails => ({ runId: 'r1', outDir: '/r', summary: null, rows: list, kind: 'run' });
  const both = [
    // local-ai on a 2-thread session, and a long wait for a slot that is not compute
    row(0, 'local-ai', { psnr: 30, ssim: 0.9, orb_score: 0.95, upscale_ms: 3000, wait_ms: 20_000, upscale_threads: 2 }),
    row(0, 'bicubic', { psnr: 29, ssim: 0.88, orb_score: 0.95, upscale_ms: 40 }),
    row(1, 'local-ai', { image_path: '/photos/img1.png', psnr: 25, ssim: 0.8, orb_score: 0.9, upscale_ms: 5000, upscale_threads: 2 }),
    row(1, 'bicubic', { image_path: '/photos/img1.png', psnr: 26, ssim: 0.81, orb_score: 0.85, upscale_ms: 60 }),
    row(2, 'sagemaker', { image_path: '/photos/img0.png', upscale_ms: 9000, upscale_threads: null }),
  ];
  const set = vi.fn(async () => ({}));
  const fake = () =>
    ((window as unknown as { bench: unknown }).bench = {
      settings: { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1000, sagemakerPricePerHour: 4, resultsFolder: '/r', resultsFolderIsDefault: true }), set },
    });

  it('compares each provider with bicubic by default, image by image, and lets the user pick the baseline', async () => {
    fake();
    const el = await mount(<ResultsScreen details={details(both)} onError={() => {}} />);
    const card = () => el.querySelector('[data-testid=baseline-card]')!;
    const line = (p: string) => [...card().querySelectorAll('tbody tr')].find((tr) => tr.textContent?.startsWith(p))!;
    await expect.poll(() => card().querySelectorAll('tbody tr').length).toBe(2);
    expect([...line('local-ai').querySelectorAll('td')].map((td) => td.textContent)).toEqual(['local-ai vs bicubic', '2', '±0.00', '+0.005', '+0.025', '50% (1 of 2)']);
    await user.selectOptions(card().querySelector<HTMLElement>('[aria-label="Baseline provider"]')!, 'local-ai');
    await expect.poll(() => line('bicubic')?.textContent).toContain('bicubic vs local-ai');
  });

  it('judges by the metric chosen, only among those the run has, and counts a lower Butteraugli as the better', async () => {
    fake();
    // local-ai: SSIMULACRA2 higher on both images; Butteraugli lower (better) on img0, higher on img1
    const perceptual = [
      { ...both[0], ssimulacra2: 72, butteraugli: 2.0, butteraugli_3norm: 0.9 },
      { ...both[1], ssimulacra2: 70, butteraugli: 3.0, butteraugli_3norm: 1.2 },
      { ...both[2], ssimulacra2: 61, butteraugli: 4.0, butteraugli_3norm: 1.6 },
      { ...both[3], ssimulacra2: 60, butteraugli: 3.5, butteraugli_3norm: 1.4 },
    ];
    const el = await mount(<ResultsScreen details={details(perceptual)} onError={() => {}} />);
    const card = () => el.querySelector('[data-testid=baseline-card]')!;
    // the choice is the screen's: it judges the means, the worst images, the baseline's wins and the plots
    const chooser = () => el.querySelector<HTMLSelectElement>('[aria-label="Quality metric"]')!;
    await expect.poll(() => card().querySelectorAll('tbody tr').length).toBe(1);
    expect([...chooser().options].map((o) => o.textContent)).toEqual(['PSNR', 'SSIM', 'ORB', 'SSIMULACRA2', 'Butteraugli (lower is better)', 'Butteraugli 3-norm (lower is better)']);
    // the perceptual score is the default judge where the run has it
    expect(chooser().value).toBe('ssimulacra2');
    const head = () => [...card().querySelectorAll('th')].map((th) => th.textContent);
    const cells = () => [...card().querySelectorAll('tbody td')];
    const cell = (name: string) => cells()[head().indexOf(name)];
    expect(cell('ΔSSIMULACRA2').textContent).toBe('+1.5');
    expect(cell('ΔSSIMULACRA2').className).toBe('better');
    expect(cell('Better on SSIMULACRA2').textContent).toBe('100% (2 of 2)');
    // Butteraugli: the mean difference is (−1 + 0.5) / 2 = −0.25, a gain, shown as one
    expect(cell('ΔButteraugli').textContent).toBe('−0.25');
    expect(cell('ΔButteraugli').className).toBe('better');
    expect(cell('ΔButteraugli 3-norm').className).toBe('better');
    await user.selectOptions(chooser(), 'butteraugli');
    await expect.poll(() => head()).toContain('Better on Butteraugli');
    // a win is the lower distance: img0 only
    expect(cell('Better on Butteraugli').textContent).toBe('50% (1 of 2)');
    // the plots follow the choice, a distance's axis said to be lower-is-better
    await expect.poll(() => [...el.querySelectorAll('.recharts-label')].map((l) => l.textContent)).toContain('Butteraugli — lower is better');
    // and a run without the perceptual scores offers none of them
    act(() => root?.unmount());
    const plain = await mount(<ResultsScreen details={details(both)} onError={() => {}} />);
    expect([...plain.querySelector<HTMLSelectElement>('[aria-label="Quality metric"]')!.options].map((o) => o.value)).toEqual(['psnr', 'ssim', 'orb']);
    expect(plain.querySelector('[data-testid=baseline-card]')!.textContent).not.toMatch(/SSIMULACRA2|Butteraugli/);
  });

  it('shows compute cost beside the storage saving, SageMaker at the user’s $/hour', async () => {
    fake();
    const el = await mount(<ResultsScreen details={details(both)} onError={() => {}} />);
    const card = () => el.querySelector('[data-testid=compute-card]')!;
    const line = (p: string) => [...card().querySelectorAll('tbody tr')].find((tr) => tr.textContent?.startsWith(p))!.textContent;
    await expect.poll(() => line('sagemaker')).toBe('sagemaker9.002.50 instance-h · $10.00');
    // 4 s busy per image on 2 threads: 8 core-seconds, 2.22 core-hours per 1,000
    expect(line('local-ai')).toBe('local-ai4.002.22 core-h');
    const price = card().querySelector('input')!;
    await user.fill(price, '2');
    await expect.poll(() => line('sagemaker')).toBe('sagemaker9.002.50 instance-h · $5.00');
    expect(set).toHaveBeenLastCalledWith({ sagemakerPricePerHour: 2 });
    // a price that makes no sense is said so beside the field, and not kept
    await user.fill(price, '-3');
    await expect.poll(() => card().querySelector('.field-error')?.textContent).toBe('Enter a price from $0 to $1,000 per instance-hour.');
    expect(line('sagemaker')).toBe('sagemaker9.002.50 instance-h');
    expect(set).toHaveBeenLastCalledWith({ sagemakerPricePerHour: 2 });
    const storage = el.querySelector('[data-testid=storage-card]')!;
    await user.fill(storage.querySelector('input')!, '-1');
    await expect.poll(() => storage.querySelector('.field-error')?.textContent).toBe('Enter a price from $0 to $1,000 per GB-month.');
    expect(storage.querySelector('[data-testid=estimate]')!.textContent).toBe('–');
    expect(set).toHaveBeenLastCalledWith({ monthlyVolumeImages: 1000 });
  });
});

describe('SweepResults on a perceptual target', () => {
  const settings = { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1000, resultsFolder: '/r', resultsFolderIsDefault: true }), set: async () => ({}) };
  const at = (i: number, provider: string, factor: number, quality: number, stored: number, ssimulacra2: number, butteraugli: number) =>
    row(i, provider, { factor, format: 'webp', quality, original_bytes: 10_000, stored_bytes: stored, saved_percent: (10_000 - stored) / 100, ssimulacra2, butteraugli, butteraugli_3norm: butteraugli / 3 });
  const sweep: RunDetails = {
    runId: 's1',
    outDir: '/s',
    summary: { target: { metric: 'ssimulacra2', value: 70 } },
    kind: 'sweep',
    rows: [at(0, 'none', 1, 90, 5000, 85, 1.2), at(1, 'bicubic', 2, 90, 2000, 72, 2.5), at(2, 'bicubic', 2, 50, 1000, 55, 4), at(3, 'local-ai', 2, 50, 1000, 60, 3)],
  };
  const slide = (el: HTMLElement, v: number) =>
    act(async () => {
      const range = el.querySelector<HTMLInputElement>('.target input[type=range]')!;
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(range, String(v));
      range.dispatchEvent(new Event('input', { bubbles: true }));
    });
  const recommendation = (el: HTMLElement) => el.querySelector('[data-testid=recommendation]')!.textContent;

  it('sets the target in SSIMULACRA2 with its named levels marked, and the recommendation follows the slider', async () => {
    (window as unknown as { bench: unknown }).bench = { settings };
    const el = await mount(
      <div style={{ width: 1000 }}>
        <SweepResults details={sweep} initialTarget={{ metric: 'ssimulacra2', value: 70 }} onError={() => {}} />
      </div>,
    );
    const range = el.querySelector<HTMLInputElement>('.target input[type=range]')!;
    expect(range.getAttribute('aria-label')).toBe('Target SSIMULACRA2');
    expect([range.min, range.max, range.value]).toEqual(['30', '100', '70']);
    const levels = [...el.querySelectorAll<HTMLElement>('[data-testid=target-levels] .level')];
    expect(levels.map((l) => l.textContent)).toEqual(['30 low', '50 medium', '70 high', '90 visually lossless']);
    // each under its value on the track, left to right
    const track = range.getBoundingClientRect();
    const centres = levels.map((l) => (l.getBoundingClientRect().left + l.getBoundingClientRect().width / 2 - track.left - 8) / (track.width - 16));
    centres.forEach((c, i) => expect(c).toBeCloseTo([0, 20 / 70, 40 / 70, 60 / 70][i], 1));
    expect(el.querySelector('[data-testid=target-help]')!.textContent).toMatch(/SSIMULACRA2.*about 90 is visually lossless, 70 high quality, 50 medium, 30 low/);
    expect(recommendation(el)).toBe('Recommendation: store as webp q90 at ÷2 and upscale with bicubic: 80% smaller, SSIMULACRA2 72.0; recompress-only needs webp q90 at full size for SSIMULACRA2 ≥ 70: 50% smaller (SSIMULACRA2 85.0).');
    // a lower target: the cheaper stored copy, read back by the provider scoring better on it
    await user.click(levels[1]);
    expect(el.querySelector('[data-testid=target-value]')!.textContent).toBe('50.0');
    expect(recommendation(el)).toMatch(/^Recommendation: store as webp q50 at ÷2 and upscale with local-ai: .*SSIMULACRA2 60\.0/);
    await slide(el, 80);
    expect(recommendation(el)).toMatch(/^Recommendation: store as webp q90 at full size and serve it as it is \(recompress only\)/);
    await slide(el, 95);
    expect(recommendation(el)).toBe('No setting reached a mean SSIMULACRA2 ≥ 95; lower the target or try higher qualities or smaller factors.'.replace(/^N/, 'n'));
  });

  it('flips for Butteraugli: a target is a most, the slider shows “just noticeable”, the plot runs down its axis', async () => {
    (window as unknown as { bench: unknown }).bench = { settings };
    const el = await mount(
      <div style={{ width: 1000 }}>
        <SweepResults details={sweep} initialTarget={{ metric: 'ssimulacra2', value: 70 }} onError={() => {}} />
      </div>,
    );
    await user.selectOptions(el.querySelector<HTMLElement>('[aria-label="Quality metric"]')!, 'butteraugli');
    const range = el.querySelector<HTMLInputElement>('.target input[type=range]')!;
    expect(range.getAttribute('aria-label')).toBe('Target Butteraugli');
    // the statistic's select sits in the label: read as its value
    const statistic = el.querySelector<HTMLSelectElement>('.target select')!;
    expect(el.querySelector('.target')!.textContent!.replace(statistic.textContent!, statistic.value)).toMatch(/Target mean Butteraugli ≤ 2\.00/);
    expect([...el.querySelectorAll('[data-testid=target-levels] .level')].map((l) => l.textContent)).toEqual(['1 just noticeable']);
    expect(el.querySelector('[data-testid=target-help]')!.textContent).toMatch(/at most this: lower is better/);
    // only the full-size copy is within 2
    expect(recommendation(el)).toMatch(/^Recommendation: store as webp q90 at full size and serve it as it is \(recompress only\): 50% smaller, Butteraugli 1\.20/);
    await slide(el, 3);
    expect(recommendation(el)).toMatch(/^Recommendation: store as webp q50 at ÷2 and upscale with local-ai: 90% smaller, Butteraugli 3\.00; recompress-only needs webp q90 at full size for Butteraugli ≤ 3/);
    // frontier on the lower side: bicubic's q50 (4.0) is beaten by nothing of bicubic with fewer bytes, so both stay
    const frontier = [...el.querySelectorAll('.settings-table tbody tr')].filter((tr) => tr.querySelector('[aria-label="on the frontier"]')).map((tr) => `${tr.children[0].textContent} q${tr.children[4].textContent}`);
    expect(frontier.sort()).toEqual(['bicubic q50', 'bicubic q90', 'local-ai q50', 'none q90']);
    expect(el.querySelector('.sweep-plot figcaption')!.textContent).toMatch(/lower is better: the axis runs down/);
  });
});

describe('labels a new user needs', () => {
  const settings = { get: async () => ({ storagePricePerGbMonth: 0.023, monthlyVolumeImages: 1000, resultsFolder: '/r', resultsFolderIsDefault: true }), set: async () => ({}) };

  it('names the run’s stored setting and each provider’s model on the Results screen, and the setting in the viewer', async () => {
    (window as unknown as { bench: unknown }).bench = { settings, images: { read: async () => ({ mime: 'image/png', base64: '', width: 64, height: 48 }) } };
    const list = [
      row(0, 'local-ai', { model: 'esrgan-slim x4', format: 'webp', quality: 80 }),
      row(0, 'bicubic', { model: 'bicubic (sharp)', format: 'webp', quality: 80 }),
      // kept in its own format: a second stored format at the same factor; a broken file stored nothing
      row(1, 'local-ai', { model: 'esrgan-slim x4', format: 'jpeg', quality: 90 }),
      row(2, 'local-ai', { model: 'esrgan-slim x4', status: 'error', format: '', quality: 90 }),
    ];
    const el = await mount(<ResultsScreen details={{ runId: 'r1', outDir: '/r', summary: null, rows: list, kind: 'run' }} onError={() => {}} />);
    expect(el.querySelector('[data-testid=run-label]')!.textContent).toBe('Stored as webp q80, jpeg q90 at ÷4 · upscaled with local-ai · esrgan-slim x4, bicubic');
    await user.click(el.querySelector<HTMLElement>('[aria-label="View img0.png (local-ai)"]')!);
    expect(el.querySelector('[data-testid=viewer-scores]')!.textContent).toMatch(/^local-ai · esrgan-slim x4 · webp q80 at ÷4 · PSNR/);
  });

  it('titles a sweep’s progress “Sweep”, names each row’s setting, counts “1 row” and gives no ETA before it has one', async () => {
    const live: LiveRun = {
      jobId: 'j',
      runId: 'r9',
      kind: 'sweep',
      total: 3,
      done: 0,
      kept: [],
      providers: ['bicubic'],
      providerRows: { bicubic: 12 },
      settings: 4,
      rows: [row(0, 'bicubic', { factor: 2, format: 'webp', quality: 80 })],
      inFlight: {},
      eta: 0,
      ended: null,
    };
    const el = await mount(<RunScreen live={live} onCancel={() => {}} onOpen={() => {}} />);
    expect(el.querySelector('h2')!.textContent).toBe('Sweep r9');
    expect(el.querySelector('label[for=overall]')!.textContent).toBe('0 of 3 images × 4 settings · 1 row · ETA –');
    const headers = [...el.querySelectorAll('table.live th')].map((th) => th.textContent);
    expect(headers).toEqual(['Image', 'Setting', 'Provider', 'Status', 'Saved %', 'PSNR dB', 'SSIM', 'ORB']);
    expect(el.querySelector('table.live tbody td:nth-child(2)')!.textContent).toBe('webp q80 at ÷2');
  });

  it('takes any quality from 1 to 100 typed beside the usual ones, and says in words what is wrong', async () => {
    const plan = vi.fn(async (r: { qualities: number[] }) => ({ images: 2, settings: r.qualities.length, rows: 2 * r.qualities.length, low: 10, high: 20, reasons: [] }));
    (window as unknown as { bench: unknown }).bench = {
      models: { list: async () => [] },
      dialogs: { pickInput: async () => ({ path: '/photos', kind: 'folder', count: 2 }) },
      sweeps: { plan },
    };
    const el = await mount(<SweepScreen busy={false} details={null} onStarted={() => {}} onError={() => {}} />);
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Choose folder…')!);
    const other = el.querySelector<HTMLElement>('[aria-label="Other qualities"]')!;
    await user.fill(other, '10, 20');
    await expect.poll(() => plan.mock.lastCall?.[0].qualities).toEqual([10, 20, 50, 80, 95]);
    const start = () => [...el.querySelectorAll('button')].find((b) => b.textContent === 'Start sweep')!;
    expect(start().disabled).toBe(false);
    await user.fill(other, '10, 150');
    await expect.poll(() => el.querySelector('#qualities-error')?.textContent).toBe('Qualities go from 1 to 100; 150 is too high.');
    expect(other.getAttribute('aria-invalid')).toBe('true');
    expect(start().disabled).toBe(true);
    await user.fill(other, 'ten');
    await expect.poll(() => el.querySelector('#qualities-error')?.textContent).toBe('“ten” is not a whole number: type qualities from 1 to 100, separated by commas.');
    // and what the target means is said beside it
    expect(el.textContent).toContain('A setting passes when its images’ SSIMULACRA2, averaged, is at least this.');
  });

  it('offers on the Sweep screen a model just added on New run, without a reload', async () => {
    const models: object[] = [{ name: 'thick', kind: 'built-in', architecture: 'RRDN', scales: [2, 3, 4, 8], summary: 'RRDN', speed: { mpsOut: 0.15, scale: 4, where: 'reference machine' }, sizeBytes: null }];
    const mine = { name: 'mine', kind: 'imported', architecture: 'SPAN', scales: [4], summary: 'imported', speed: { mpsOut: 1, scale: 4, where: 'this machine' }, sizeBytes: 1000, license: null };
    (window as unknown as { bench: unknown }).bench = {
      models: {
        list: async () => [...models],
        pickFile: async () => ({ path: '/m/mine.pth', name: 'mine' }),
        add: async () => {
          models.push(mine);
          return { model: mine, ms: 5 };
        },
      },
      settings,
      dialogs: { pickInput: async () => null, pickOutput: async () => null },
      inputs: { imageSizes: async () => ({ total: 0, sizes: [] }) },
      jobs: { onProgress: () => () => {} },
      sweeps: { plan: async () => ({ images: 0, settings: 0, rows: 0, low: 0, high: 0, reasons: [] }) },
    };
    const el = await mount(<App />);
    const sweepModels = () => [...el.querySelectorAll<HTMLOptionElement>('[aria-label="Sweep model"] option')].map((o) => o.value);
    const go = (screen: string) => user.click([...el.querySelectorAll<HTMLElement>('nav button')].find((b) => b.textContent === screen)!);
    await go('Sweep');
    await expect.poll(sweepModels).toEqual(['thick']);
    await go('New run');
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Add model…')!);
    await expect.poll(() => el.querySelector('[data-testid=model-import]')?.textContent ?? '').toMatch(/mine/);
    await go('Sweep');
    await expect.poll(sweepModels).toEqual(['thick', 'mine']);
  });

  it('shows the SageMaker price only for a sweep that used SageMaker, and names each setting’s model', async () => {
    (window as unknown as { bench: unknown }).bench = { settings };
    const sweepRows = [row(0, 'local-ai', { model: 'esrgan-slim x2', factor: 2 }), row(1, 'bicubic', { model: 'bicubic (sharp)', factor: 2 })];
    const details = (list: UiRow[]): RunDetails => ({ runId: 's1', outDir: '/s', summary: null, rows: list, kind: 'sweep' });
    const el = await mount(<SweepResults details={details(sweepRows)} initialTarget={{ metric: 'ssim', value: 0.5 }} onError={() => {}} />);
    expect(el.querySelector('[data-testid=sweep-compute]')!.textContent).not.toContain('SageMaker');
    const models = [...el.querySelectorAll('.settings-table tbody tr')].map((tr) => [tr.children[0].textContent, tr.children[1].textContent]);
    expect(models.sort()).toEqual([
      ['bicubic', '–'],
      ['local-ai', 'esrgan-slim x2'],
    ]);
    expect(el.querySelector('[data-testid=target-help]')!.textContent).toMatch(/^A setting passes when its images’ SSIM/);
    act(() => root?.unmount());
    const withSageMaker = await mount(<SweepResults details={details([...sweepRows, row(2, 'sagemaker', { model: 'my-endpoint', factor: 2 })])} initialTarget={{ metric: 'ssim', value: 0.5 }} onError={() => {}} />);
    expect(withSageMaker.querySelector('[data-testid=sweep-compute]')!.textContent).toContain('SageMaker $/instance-hour');
  });
});

describe('ModelPicker', () => {
  const thick: LocalModelSummary = { name: 'thick', kind: 'built-in', architecture: 'RRDN', scales: [2, 3, 4, 8], summary: 'RRDN', sizeBytes: null };
  const mine: LocalModelSummary = { name: 'mine', kind: 'imported', architecture: 'Real-ESRGAN Compact', scales: [2], summary: 'imported', sizeBytes: 1000, sha256: 'a'.repeat(64) };
  const summary = '2.2× faster than fp32 here; against the originals of 9 calibration photos (÷2 and back): PSNR −0.08 dB (worst −0.80) vs fp32';
  const refusal =
    "int8 build of 'mine' refused: on 9 calibration photos brought down ÷2 and upscaled back, it cost 0.52 dB PSNR against the originals on average relative to fp32 (worst photo −1.90 dB, SSIMULACRA2 −2.4) at 1.80× fp32's speed here: more than the 0.3 dB bound; the model stays fp32-only";
  const button = (el: HTMLElement, text: string) => [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent === text);

  it('adds a model with an int8 build when the box is ticked, and says why none was kept', async () => {
    const add = vi.fn(async () => ({ model: mine, ms: 1200, int8Refused: refusal }));
    (window as unknown as { bench: unknown }).bench = { models: { pickFile: async () => ({ path: '/m/mine.pth', name: 'mine' }), add }, jobs: { onProgress: () => () => {} } };
    const el = await mount(<ModelPicker models={[thick]} value="thick" onChange={() => {}} onModelsChanged={async () => {}} />);
    // a built-in model has no int8 action of its own
    expect(button(el, 'Make int8 build…')).toBeUndefined();
    await user.click([...el.querySelectorAll<HTMLLabelElement>('label')].find((l) => l.textContent?.includes('also make an int8 build'))!.querySelector('input')!);
    await user.click(button(el, 'Add model…')!);
    await expect.poll(() => add.mock.calls.length).toBe(1);
    expect(add.mock.calls[0]).toEqual(['/m/mine.pth', { name: 'mine', force: false, int8: true }]);
    await expect.poll(() => el.querySelector('[data-testid=int8-result]')?.textContent).toBe(`No int8 build: ${refusal}`);
  });

  it('makes an int8 build of an imported model after saying what it does, shows its progress and numbers, and offers to keep a refused one anyway', async () => {
    let progress: (e: object) => void = () => {};
    let finish: (v: unknown) => void = () => {};
    const quantize = vi.fn(() => new Promise((resolve) => (finish = resolve)));
    (window as unknown as { bench: unknown }).bench = {
      models: { quantize },
      jobs: {
        onProgress: (cb: (e: object) => void) => {
          progress = cb;
          return () => {};
        },
      },
    };
    const changed = vi.fn(async () => {});
    const el = await mount(<ModelPicker models={[thick, mine]} value="mine" onChange={() => {}} onModelsChanged={changed} />);
    await user.click(button(el, 'Make int8 build…')!);
    expect(el.querySelector('[role=alertdialog][aria-label="Make int8 build"]')!.textContent).toMatch(/calibrated on the bundled photos and measured against fp32 .*most 0\.3 dB/);
    expect(quantize).not.toHaveBeenCalled();
    await user.click(button(el, 'Make it')!);
    expect(quantize).toHaveBeenCalledWith('mine', {});
    await act(async () => progress({ jobId: 'q', type: 'model-int8', stage: 'measuring', model: 'mine' }));
    expect(el.querySelector('[data-testid=model-int8]')!.textContent).toBe('Making the int8 build of mine: measuring it against fp32…');
    expect(button(el, 'Add model…')!.disabled).toBe(true);
    await act(async () => finish({ model: { ...mine, int8: { summary } }, ms: 12_300 }));
    await expect.poll(() => el.querySelector('[data-testid=model-int8]')?.textContent).toMatch(new RegExp(`^Made the int8 build of mine in 12\\.3 s: ${summary.replace(/[()×.]/g, '\\$&')}\\.`));
    expect(changed).toHaveBeenCalled();

    // a refusal says what was measured, and the user may keep the build anyway
    quantize.mockImplementation(() => Promise.reject(new Error(refusal)));
    await user.click(button(el, 'Make int8 build…')!);
    await user.click(button(el, 'Make it')!);
    await expect.poll(() => el.querySelector('[role=alert][data-testid=model-int8]')?.textContent).toMatch(/^int8 build of 'mine' refused: .*0\.52 dB/);
    quantize.mockImplementation(() => Promise.resolve({ model: { ...mine, int8: { summary: `${summary}; over the 0.3 dB bound, kept with --force` } }, ms: 9000 }));
    await user.click(button(el, 'Keep one anyway')!);
    expect(quantize).toHaveBeenLastCalledWith('mine', { force: true });
    await expect.poll(() => el.querySelector('[data-testid=model-int8]')?.textContent).toMatch(/over the 0\.3 dB bound/);
  });
});
