/**
 * How much context (input pixels on each inner side of a tile) an imported model needs so that tiled
 * output matches one whole-image run. A net's reach grows with its depth: RRDBNet's 15 convolutions per
 * block reach far, Compact's plain stack much less. Values measured by scripts/measure-seams.ts (the README,
 * *Your own models*, has the table); `--tile-overlap` overrides.
 */
export interface OverlapFacts {
  architecture: string;
  details?: Record<string, number | string>;
}

/** For nets we know nothing about (user ONNX files, unrecognised ncnn graphs): generous rather than seamy. */
const UNKNOWN = 32;

export function defaultTileOverlap(m: OverlapFacts): number {
  const a = m.architecture;
  // before ESRGAN: 'Real-ESRGAN Compact' is a plain conv stack, not an RRDBNet
  if (/Compact/i.test(a)) return 16;
  if (/ESRGAN|RRDB/i.test(a)) {
    // 2 blocks: 16 px keeps seams within 1 grey level; 6 blocks (the anime x4plus) needs 48. Deeper nets
    // (23 blocks) stay at 48: a smaller tile would cost more time than the last grey level is worth.
    const blocks = typeof m.details?.blocks === 'number' ? m.details.blocks : 23;
    return Math.min(48, Math.max(16, 8 * blocks));
  }
  if (/SPAN/i.test(a)) return 24;
  // Window attention (SwinIR, OmniSR, DAT, HAT) and large kernels (RealPLKSR) see far; OmniSR's, DAT's
  // (channel attention, global means in its gates), HAT's (global means in its conv branch) and group-norm
  // RealPLKSR's output also depends on the whole tile, so no overlap makes them exact. Full-size HAT-S at
  // 32 px: within 1 grey level of the whole image (16 px: 7); full-size DAT at 32 px: max 3, 54.5 dB (16 px:
  // 7, 48 px: 2 for 40% more work).
  if (/SwinIR|OmniSR|RealPLKSR|^DAT$|^HAT$/i.test(a)) return 32;
  return UNKNOWN;
}
