/** "1 image", "2 images", "0 images": a count with its noun, for every message that prints one. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
