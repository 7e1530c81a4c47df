/** Per setting and provider, straight from a results CSV: what summary.json must agree with (computed apart from it). */
export interface CsvMeans {
  provider: string;
  factor: number;
  format: string;
  quality: number | null;
  bytes: number;
  saved: number;
  score: Record<string, number>;
}

export function meansFromCsv(rows: Record<string, string>[], scores: readonly string[] = ['ssim']): CsvMeans[] {
  const groups = new Map<string, Record<string, string>[]>();
  for (const r of rows.filter((x) => x.status === 'ok')) {
    const k = `${r.provider}|${r.factor}|${r.format}|${r.quality}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups].map(([k, rs]) => {
    const [provider, factor, format, quality] = k.split('|');
    const avg = (c: string) => rs.reduce((a, r) => a + Number(r[c]), 0) / rs.length;
    const score = Object.fromEntries(scores.map((c) => [c, avg(c)]));
    return { provider, factor: Number(factor), format, quality: quality === '' ? null : Number(quality), bytes: avg('stored_bytes'), saved: avg('saved_percent'), score };
  });
}
