import type { UiRow } from '../../../preload/ipc-contract';
import { baseName, fmt } from '../format';
import { type MetricDef, scoreOf } from '../metrics';

/** The worst-scoring image of a setting (or provider) as a link that opens it in the viewer: its name and score. */
export function WorstImageLink({ row, metric: m, onOpen, context }: { row: UiRow | undefined; metric: MetricDef; onOpen: (row: UiRow) => void; context: string }) {
  if (!row) return <>–</>;
  const name = baseName(row.image_path);
  return (
    <button
      className="link worst"
      onClick={(e) => {
        // in a table row that opens its own images on a click
        e.stopPropagation();
        onOpen(row);
      }}
      aria-label={`View the worst image on ${m.label} of ${context}: ${name}`}
      title={row.image_path}
    >
      {name} ({fmt(scoreOf(row, m), m.digits)})
    </button>
  );
}
