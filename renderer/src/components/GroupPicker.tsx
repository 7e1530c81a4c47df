import type { GroupChoice } from '../groups';

const images = (n: number) => `${n.toLocaleString()} image${n === 1 ? '' : 's'}`;

/**
 * Which images a screen answers on: all of them, or one group's (`--group-by`, a CSV's `group` column). Shown
 * only when the rows carry groups. `all` is the run's image count.
 */
export function GroupPicker({ groups, all, value, onChange }: { groups: readonly GroupChoice[]; all: number; value: string | null; onChange: (g: string | null) => void }) {
  if (!groups.length) return null;
  return (
    <label className="group-picker">
      Images{' '}
      <select aria-label="Group" value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}>
        <option value="">All images ({images(all)})</option>
        {groups.map((g) => (
          <option key={g.group} value={g.group}>
            {g.group} ({images(g.images)})
          </option>
        ))}
      </select>
    </label>
  );
}
