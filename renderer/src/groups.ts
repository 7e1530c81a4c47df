/**
 * The groups a run's rows carry (`--group-by`, a CSV's `group` column) and a group's rows: the app's screens
 * answer on a group's rows with the same pure functions as on all of them, as summary.json's `groups` does.
 */
import type { UiRow } from '../../preload/ipc-contract';

export interface GroupChoice {
  group: string;
  /** Distinct images in the group. */
  images: number;
}

/** Each group with its image count, in the order the groups first appear (summary.json's order); empty without groups. */
export function groupsOf(rows: readonly UiRow[]): GroupChoice[] {
  const images = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!r.group) continue;
    let set = images.get(r.group);
    if (!set) images.set(r.group, (set = new Set()));
    set.add(r.image_path);
  }
  return [...images].map(([group, s]) => ({ group, images: s.size }));
}

/** The rows of `group`, or every row for null (all images). */
export const rowsOfGroup = (rows: UiRow[], group: string | null): UiRow[] => (group === null ? rows : rows.filter((r) => r.group === group));
