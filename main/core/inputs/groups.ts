/** Groups of input images (`--group-by`, a CSV's `group` column): names only, no dependencies, so the IPC contract imports it. */

/**
 * How a run's images are grouped for per-group answers: `folder`, the first folder level below the input;
 * `column`, a CSV's `group` column (the default for a CSV that has one); `none`, no groups.
 */
export const GROUP_BY = ['folder', 'column', 'none'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** The group of images directly in the input's folder (or its prefix, or the CSV's common folder). */
export const TOP_LEVEL_GROUP = '(top level)';

/** The group of a CSV row whose `group` cell is empty. */
export const NO_GROUP = '(no group)';

/** The CSV column that names each row's group. */
export const CSV_GROUP_COLUMN = 'group';

/** `photos/2024/a.jpg` → `photos`; `a.jpg` → the top level. */
export const folderGroup = (rel: string): string => {
  const slash = rel.indexOf('/');
  return slash > 0 ? rel.slice(0, slash) : TOP_LEVEL_GROUP;
};
