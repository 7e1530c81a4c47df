import { type Interval, intervalTitle, rangeText } from '../confidence';
import { fmt } from '../format';

/**
 * A mean in a table cell with its 95% interval on a small line under it ("0.912" over "0.905…0.919"):
 * two short lines fit a narrow column where "0.912 (0.905–0.919)" would not. The method is in the tooltip.
 */
export function MeanWithInterval({ mean, interval, digits }: { mean: number | null | undefined; interval?: Interval | null; digits: number }) {
  const range = rangeText(interval, digits);
  return (
    <>
      <span className="mean">{fmt(mean, digits)}</span>
      {range ? (
        <span className="ci" title={intervalTitle(interval)}>
          {range}
        </span>
      ) : null}
    </>
  );
}
