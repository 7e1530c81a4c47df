import type { GroupBy } from '../../../main/core/inputs/groups';

const LABEL: Record<GroupBy | '', string> = {
  '': 'automatic (a CSV’s group column)',
  none: 'none',
  folder: 'first folder',
  column: 'CSV group column',
};

/**
 * How the run's images are grouped for per-group answers (`--group-by`): left automatic, the engine groups a
 * CSV by its `group` column when it has one; undefined is sent as no choice.
 */
export function GroupByChoice({ value, onChange }: { value: GroupBy | undefined; onChange: (g: GroupBy | undefined) => void }) {
  return (
    <label title="Answers per group as well as overall: by the first folder below the input, or a CSV’s group column">
      Group by{' '}
      <select aria-label="Group by" value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? undefined : (e.target.value as GroupBy))}>
        {(['', 'none', 'folder', 'column'] as const).map((g) => (
          <option key={g} value={g}>
            {LABEL[g]}
          </option>
        ))}
      </select>
    </label>
  );
}
