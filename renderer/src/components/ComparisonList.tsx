import type { Comparison, Verdict } from '../../../main/core/results/comparisons';

const TONE: Record<Verdict, string> = { better: 'better', worse: 'worse', 'not distinguishable': 'unsure', identical: 'unsure', 'too few images': 'unsure' };
const MARK: Record<Verdict, string> = { better: '▲', worse: '▼', 'not distinguishable': '≈', identical: '=', 'too few images': '?' };

export const comparisonKey = (c: Comparison) => `${c.provider}|${c.model}|${c.factor}|${c.format}|${c.quality ?? ''}|${c.baseline}`;

/** Paired comparisons as the engine words them, one a line, each marked by its verdict (a gain, a loss, or no telling). */
export function ComparisonList({ comparisons }: { comparisons: readonly Comparison[] }) {
  return (
    <ul className="comparisons" data-testid="comparisons">
      {comparisons.map((c) => (
        <li key={comparisonKey(c)} className={TONE[c.verdict]} data-verdict={c.verdict}>
          <span className="verdict-mark" aria-hidden="true">
            {MARK[c.verdict]}
          </span>
          <span>{c.sentence}</span>
        </li>
      ))}
    </ul>
  );
}
