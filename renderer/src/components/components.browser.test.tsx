import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { UiRow } from '../../../preload/ipc-contract';
import { ResultsTable } from './ResultsTable';
import { QualitySavingsScatter, ScoreHistogram } from './Charts';
import { Viewer } from './Viewer';
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
  width: 64,
  height: 48,
  original_bytes: 10_000 + i,
  stored_bytes: 1_000,
  saved_percent: 90 - i,
  upscale_ms: 100 * i,
  orb_score: 0.5 + i / 40,
  psnr: 20 + i,
  identical: false,
  ssim: 0.6 + i / 40,
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

describe('charts', () => {
  it('draws one scatter series per provider, errors left out', async () => {
    const el = await mount(
      <div style={{ width: 600 }}>
        <QualitySavingsScatter rows={rows} />
      </div>,
    );
    await expect.poll(() => el.querySelectorAll('.recharts-scatter').length).toBe(2);
    // bicubic has one ok row with SSIM, local-ai two
    const points = [...el.querySelectorAll('.recharts-scatter')].map((s) => s.querySelectorAll('.recharts-symbols').length);
    expect(points.sort()).toEqual([1, 2]);
  });

  it('bins scores into ten buckets per provider', async () => {
    const el = await mount(
      <div style={{ width: 600 }}>
        <ScoreHistogram rows={rows} metric="ssim" />
      </div>,
    );
    await expect.poll(() => el.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0);
    expect(el.querySelectorAll('.recharts-cartesian-axis-tick').length).toBeGreaterThanOrEqual(10);
  });
});

describe('Viewer', () => {
  const png = (colour: string) => {
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 48;
    const g = c.getContext('2d')!;
    g.fillStyle = colour;
    g.fillRect(0, 0, 64, 48);
    return c.toDataURL('image/png').split(',')[1];
  };
  it('loads original, stored and upscaled, zooms all together, switches to the slider and closes on Escape', async () => {
    const read = vi.fn(async (_run: string, _row: number, which: string) => ({ mime: 'image/png', base64: png(which === 'original' ? '#f00' : which === 'stored' ? '#0f0' : '#00f'), width: 64, height: 48 }));
    (window as unknown as { bench: unknown }).bench = { images: { read } };
    const onClose = vi.fn();
    const el = await mount(<Viewer runId="r1" row={rows[1]} onClose={onClose} />);
    await expect.poll(() => el.querySelectorAll('.panes img').length).toBe(3);
    expect(read.mock.calls.map((c) => c[2]).sort()).toEqual(['original', 'stored', 'upscaled']);
    expect(el.querySelector<HTMLElement>('[data-testid=viewer-scores]')!.textContent).toMatch(/PSNR 21\.00 dB · SSIM 0\.625 · ORB 0\.525/);
    await user.click(el.querySelector<HTMLElement>('[aria-label="Zoom in"]')!);
    const transforms = [...el.querySelectorAll<HTMLImageElement>('.panes img')].map((i) => i.style.transform);
    expect(new Set(transforms).size).toBe(1);
    expect(transforms[0]).toContain('scale(1.25)');
    await user.click([...el.querySelectorAll('button')].find((b) => b.textContent === 'Slider')!);
    expect(el.querySelectorAll('.slider img')).toHaveLength(2);
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
  });
});
