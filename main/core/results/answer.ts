/**
 * The answer a set of rows gives, as summary.json states it for the whole run and for each group: each
 * provider's means, the storage answer (Pareto sets and recommendation, each setting's worst case), the
 * per-image policy, and the intervals and paired comparisons on the target's metric. One function for both, so a group's answer is
 * the run's answer on that group's rows and the two cannot drift apart.
 */
import type { AdaptivePolicy } from './policy.js';
import type { ResultRow } from './row.js';
import { type RunSummary, confidenceAnswer, policyAnswer, storageAnswer, summariseProviders, worstCaseAnswer } from './summary.js';
import type { Target } from './target.js';

/** Which answers a run gives. */
export interface AnswerScope {
  target: Target;
  /** A sweep: its storage answer judges the grid's edges, and it gives the per-image policy. */
  sweep: boolean;
  /**
   * Whether per-setting means answer: not for a `--fit` run (its copies share no factor) nor an adaptive
   * sweep (its settings each hold a few images, whose means would mislead).
   */
  storage: boolean;
  /** An adaptive sweep: its policy is not compared with single settings, which it never tried on every image. */
  adaptive: boolean;
}

export type RowsAnswer = Pick<RunSummary, 'providers' | 'target' | 'target_ssim' | 'pareto' | 'recommendation' | 'adaptive_policy' | 'confidence' | 'comparisons' | 'worst_case'>;

/**
 * `rows` as the run made them (the provider means, as they always were) and `written`, the same rows as the
 * CSV holds them (everything else, so the app, which reads the CSV, finds the same answer). Also returns the
 * full policy, whose lines are policy.csv.
 */
export function answerOf(rows: ResultRow[], written: ResultRow[], scope: AnswerScope): { answer: RowsAnswer; policy: AdaptivePolicy | null } {
  const policy = scope.sweep ? policyAnswer(written, scope.target, !scope.adaptive) : null;
  const answer: RowsAnswer = {
    providers: summariseProviders(rows),
    ...(scope.storage ? storageAnswer(written, scope.target, scope.sweep) : {}),
    ...(policy ? { adaptive_policy: policy.summary } : {}),
  };
  // every mean above gets its interval, the recommendation its stopping rule, and the comparisons their sentences
  Object.assign(answer, confidenceAnswer(answer, written, scope.target));
  // and with the storage answer, each setting's worst case: the target's statistic, the images reaching the target, the worst image
  if (scope.storage) Object.assign(answer, worstCaseAnswer(answer, written, scope.target));
  return { answer, policy: policy?.policy ?? null };
}
