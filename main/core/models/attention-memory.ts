/**
 * Peak activation memory per input pixel of the imported window-attention nets, from what their import
 * recorded, so their tiles can be sized to a memory budget. Attention scores grow with the window: each
 * pixel holds a row of scores per head (three copies live at once: the scores, biased, softmaxed; DAT's
 * shifted blocks add the masked copy), beside a few dozen feature-sized tensors. Measured peaks on 160-192 px
 * tiles of the full-size nets (scripts/reference/make-transformer-bench-models.py): DAT 18.5 KB/px,
 * DAT-light 12.5 KB/px, HAT 23 KB/px (its cross-attention one head at a time); these estimates lie 25-30%
 * above, on the safe side.
 */
export interface AttentionFacts {
  architecture: string;
  details?: Record<string, number | string>;
}

const num = (v: number | string | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);

/** Bytes per input pixel at peak, or undefined for nets this does not model. */
export function attentionBytesPerPixel(m: AttentionFacts): number | undefined {
  const d = m.details ?? {};
  const features = num(d.features);
  const heads = Math.max(0, ...String(d.heads ?? '').split(',').map(Number).filter((h) => h > 0));
  if (!features || !heads) return undefined;
  if (m.architecture === 'DAT') {
    const [hs, ws] = String(d.split ?? '').split('x').map(Number);
    if (!(hs > 0 && ws > 0)) return undefined;
    return 16 * (heads / 2) * hs * ws + 64 * features;
  }
  if (m.architecture === 'HAT') {
    const win = num(d.window);
    const ratio = num(d.overlap) ?? 0.5;
    if (!win) return undefined;
    const ows = win + Math.floor(win * ratio);
    return 12 * Math.max(heads * win * win, ows * ows) + 64 * features;
  }
  return undefined;
}
