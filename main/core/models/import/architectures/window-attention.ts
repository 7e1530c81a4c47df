/** Weight helpers shared by the window-attention nets (SwinIR, OmniSR). */
import type { Tensor } from '../state-dict.js';

/** Rows [from, to) of a tensor along its first axis (one of q, k, v out of a fused qkv weight). */
export const rows = (t: Tensor, from: number, to: number): Tensor => {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { shape: [to - from, ...t.shape.slice(1)], data: t.data.slice(from * per, to * per) };
};

/**
 * Swin's relative position bias for a win×win window, expanded from its table [(2w − 1)², heads] to
 * [heads, n, n] (n = w²): bias[h][i][j] = table[(yi − yj + w − 1)·(2w − 1) + (xi − xj + w − 1)][h].
 */
export function relativePositionBias(table: Tensor, heads: number, win: number): Float32Array {
  const n = win * win;
  const bias = new Float32Array(heads * n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const idx = (Math.floor(i / win) - Math.floor(j / win) + win - 1) * (2 * win - 1) + ((i % win) - (j % win) + win - 1);
      for (let hh = 0; hh < heads; hh++) bias[(hh * n + i) * n + j] = table.data[idx * heads + hh];
    }
  return bias;
}
