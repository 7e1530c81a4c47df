import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, it, vi } from 'vitest';
import type { UiRow } from '../../../preload/ipc-contract';
import { PolicyCard } from './PolicyCard';
import '../styles.css';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** An image stored at one webp quality at full size, scored as it is (recompress only). */
let n = 0;
const at = (image: string, quality: number, stored_bytes: number, ssim: number): UiRow => ({
  row: n++,
  image_path: `/photos/${image}.png`,
  status: 'ok',
  error: '',
  provider: 'none',
  model: 'recompress only',
  factor: 1,
  format: 'webp',
  quality,
  width: 64,
  height: 48,
  original_bytes: 50_000,
  stored_bytes,
  saved_percent: 50,
  upscale_ms: 0,
  wait_ms: 0,
  upscale_threads: 1,
  orb_score: 0.9,
  psnr: 35,
  identical: false,
  ssim,
  ssimulacra2: null,
  butteraugli: null,
  butteraugli_3norm: null,
  notes: '',
});
// two easy images reach 0.9 at q50; a hard one needs q95; one reaches it nowhere
const rows = [
  ...['easy1', 'easy2'].flatMap((i) => [at(i, 50, 1000, 0.92), at(i, 95, 4000, 0.98)]),
  at('hard', 50, 1000, 0.8),
  at('hard', 95, 4000, 0.93),
  at('lost', 50, 1000, 0.6),
  at('lost', 95, 4000, 0.85),
];

describe('PolicyCard', () => {
  it('shows the policy against the best single setting, the settings it uses, and opens the image that misses', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    const onOpen = vi.fn();
    await act(async () => root.render(<PolicyCard runId="r" rows={rows} target={{ metric: 'ssim', value: 0.9 }} onOpen={onOpen} onError={() => {}} />));
    // policy: 1000 + 1000 + 4000 + 4000 (the lost image gets its closest, q95); q95 alone reaches 3 of 4 in 16 kB
    expect(host.querySelector('[data-testid="policy-sentence"]')!.textContent).toMatch(/brings 3 of 4 images to SSIM ≥ 0.9 in 10.0 kB: 38% less than the best single setting with 3 of 4 images there \(webp q95 at full size, 16.0 kB\)/);
    const breakdown = [...host.querySelectorAll('.policy-breakdown tr')].map((tr) => tr.textContent);
    expect(breakdown).toEqual(['webp q50 at full size2 images', 'webp q95 at full size2 images']);
    const missed = host.querySelector('[data-testid="policy-missed"] button') as HTMLButtonElement;
    expect(missed.textContent).toBe('lost.png');
    await act(async () => missed.click());
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ image_path: '/photos/lost.png', quality: 95 }));
    act(() => root.unmount());
    host.remove();
  });
});
