import { type RawImage, resizeRaw, rgbOnly } from '../image/raw.js';
import { butteraugli } from './butteraugli/index.js';
import { toGrey } from './grey.js';
import { DEFAULT_METRICS, type Metric } from './metric-names.js';
import { type OrbResult, orbSimilarity } from './orb.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';
import type { ResultRow } from '../results/row.js';
import { SSIMULACRA2_MIN_SIZE, ssimulacra2 } from './ssimulacra2.js';

/** Every score is null when it was not asked for. */
export interface Scores {
  /** null where ORB is undefined: the original has no keypoints (`orbNote` says so). */
  orb: number | null;
  /** Keypoints ORB found in the original. */
  orbKeypoints: number | null;
  /** Why `orb` is null, or 0 for want of keypoints in the candidate; null otherwise. */
  orbNote: string | null;
  psnr: number | null;
  /** null when the image is smaller than SSIM's 11×11 window. */
  ssim: number | null;
  /** null under 8×8, which libjxl's tool refuses. */
  ssimulacra2: number | null;
  /** Max-norm distance; null under 8×8, as SSIMULACRA2. */
  butteraugli: number | null;
  butteraugli3norm: number | null;
}

/** The smallest side SSIMULACRA2 and Butteraugli are given for: libjxl's ssimulacra2 refuses less, and one size for both keeps the rule simple. */
export const PERCEPTUAL_MIN_SIZE = SSIMULACRA2_MIN_SIZE;
export const SSIM_MIN_SIZE = 11;

export const noScores = (): Scores => ({ orb: null, orbKeypoints: null, orbNote: null, psnr: null, ssim: null, ssimulacra2: null, butteraugli: null, butteraugli3norm: null });

/**
 * Relative cost of each metric on one pair (measured on 600×400 and 640×427 photos, one thread:
 * ORB 200–320 ms, PSNR 2–15, SSIM 150–200, SSIMULACRA2 660–800, Butteraugli 2.7–3.1 s).
 */
const COST: Record<Metric, number> = { orb: 1, psnr: 0.05, ssim: 0.7, ssimulacra2: 3, butteraugli: 11 };

/**
 * The metrics in two groups of about equal cost, so two threads can score one pair (longest first, each to
 * the lighter group): by default ORB, PSNR and SSIM beside SSIMULACRA2; with Butteraugli, it alone beside
 * the rest. ORB and SSIM share their grey images, so they stay together where the costs allow.
 */
export function splitMetrics(metrics: readonly Metric[]): Metric[][] {
  const groups: { cost: number; metrics: Metric[] }[] = [
    { cost: 0, metrics: [] },
    { cost: 0, metrics: [] },
  ];
  for (const m of [...metrics].sort((x, y) => COST[y] - COST[x])) {
    const lighter = groups[0].cost <= groups[1].cost ? groups[0] : groups[1];
    lighter.cost += COST[m];
    lighter.metrics.push(m);
  }
  return groups.map((g) => g.metrics).filter((g) => g.length);
}

/** The asked-for scores of two RGB(A) images of the same size; the others are left out (see `scoreRaw`). */
export function scoreSome(original: RawImage, candidate: RawImage, metrics: readonly Metric[]): Partial<Scores> {
  const a = rgbOnly(original);
  const b = rgbOnly(candidate);
  const want = new Set(metrics);
  const out: Partial<Scores> = {};
  const grey = want.has('orb') || want.has('ssim') ? [toGrey(a), toGrey(b)] : null;
  if (want.has('orb')) Object.assign(out, orbScores(orbSimilarity(grey![0], grey![1], a.width, a.height)));
  if (want.has('psnr')) out.psnr = psnr(a, b);
  if (want.has('ssim')) out.ssim = a.width < SSIM_MIN_SIZE || a.height < SSIM_MIN_SIZE ? null : ssim(grey![0], grey![1], a.width, a.height);
  if (want.has('ssimulacra2')) out.ssimulacra2 = ssimulacra2(a, b);
  if (want.has('butteraugli') && a.width >= PERCEPTUAL_MIN_SIZE && a.height >= PERCEPTUAL_MIN_SIZE) {
    const r = butteraugli(a, b);
    Object.assign(out, { butteraugli: r.distance, butteraugli3norm: r.pnorm3 });
  }
  return out;
}

/** Both images RGB(A) and the same size. */
export function scoreRaw(original: RawImage, candidate: RawImage, metrics: readonly Metric[] = DEFAULT_METRICS): Scores {
  return { ...noScores(), ...scoreSome(original, candidate, metrics) };
}

const orbScores = (r: OrbResult): Pick<Scores, 'orb' | 'orbKeypoints' | 'orbNote'> => ({ orb: r.score, orbKeypoints: r.keypoints, orbNote: r.note });

/** Brings the candidate to the original's size (lanczos3) so both are compared as the user would see them. */
export async function matchSize(original: RawImage, candidate: RawImage): Promise<RawImage> {
  return resizeRaw(candidate, original.width, original.height);
}

export async function scoreImages(original: RawImage, candidate: RawImage, metrics: readonly Metric[] = DEFAULT_METRICS): Promise<Scores> {
  return scoreRaw(original, await matchSize(original, candidate), metrics);
}

/** The results row's score columns. */
export const scoreColumns = (s: Scores): Pick<ResultRow, 'orb_score' | 'orb_keypoints' | 'psnr' | 'ssim' | 'ssimulacra2' | 'butteraugli' | 'butteraugli_3norm'> => ({
  orb_score: s.orb,
  orb_keypoints: s.orbKeypoints,
  psnr: s.psnr,
  ssim: s.ssim,
  ssimulacra2: s.ssimulacra2,
  butteraugli: s.butteraugli,
  butteraugli_3norm: s.butteraugli3norm,
});

/** Why an asked-for score is empty or odd, for the row's notes. */
export function scoreNotes(s: Scores, metrics: readonly Metric[]): string[] {
  const notes: string[] = [];
  if (s.orbNote) notes.push(s.orb === null ? `ORB undefined (${s.orbNote}), left out of the means` : `ORB ${s.orb}: ${s.orbNote}`);
  if (metrics.includes('ssim') && s.ssim === null) notes.push(`too small for SSIM (needs ${SSIM_MIN_SIZE}×${SSIM_MIN_SIZE})`);
  const missing = [metrics.includes('ssimulacra2') && s.ssimulacra2 === null ? 'SSIMULACRA2' : '', metrics.includes('butteraugli') && s.butteraugli === null ? 'Butteraugli' : ''].filter(Boolean);
  if (missing.length) notes.push(`too small for ${missing.join(' and ')} (needs ${PERCEPTUAL_MIN_SIZE}×${PERCEPTUAL_MIN_SIZE})`);
  return notes;
}
