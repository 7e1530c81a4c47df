/** Sizes of stored copies: pure arithmetic, shared by the engine and the renderer's time estimate. */
/** 1 re-encodes at full size: the recompress-only baseline. */
export const FACTORS = [1, 2, 3, 4, 8] as const;
export type Factor = (typeof FACTORS)[number];

export interface FitRange {
  min: number;
  max: number;
}

export function targetSize(width: number, height: number, s: { factor: number; fit?: FitRange }): { width: number; height: number } {
  if (s.fit) return fitSize(width, height, s.fit);
  return { width: Math.max(1, Math.round(width / s.factor)), height: Math.max(1, Math.round(height / s.factor)) };
}

/**
 * The original sample clamps one side to 100–200 px and truncates the other; unlike it we clamp the
 * longest side (so tall images fit too) and leave images already inside the range untouched.
 */
export function fitSize(width: number, height: number, fit: FitRange): { width: number; height: number } {
  const longest = Math.max(width, height);
  const target = longest > fit.max ? fit.max : longest < fit.min ? fit.min : longest;
  if (target === longest) return { width, height };
  const scale = target / longest;
  return width >= height
    ? { width: target, height: Math.max(1, Math.trunc(height * scale)) }
    : { width: Math.max(1, Math.trunc(width * scale)), height: target };
}
