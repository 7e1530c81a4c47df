/**
 * Prints a markdown table of one or more sweeps' run folders (their testResults.csv): one line per stored
 * setting, its mean size and saving, and each provider's mean on the target's metric (bold where the setting is on
 * that provider's frontier), then the recommendation at the target (and at each SSIMULACRA2 level when the
 * target is on SSIMULACRA2). Used for the README's "Choosing a storage setting".
 *   node --import tsx scripts/sweep-table.ts RUN_DIR [RUN_DIR…] [--target METRIC=VALUE (default ssimulacra2=high)]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseResultRow } from '../main/core/results/csv-format.js';
import { formatBytes } from '../main/core/results/format-bytes.js';
import { describeSetting, frontiers, meanOf, recommend, recommendationSentence, scoreText, settingId, settingPoints } from '../main/core/results/pareto.js';
import { DEFAULT_TARGET, SSIMULACRA2_LEVELS, describeTarget, metricLabel, parseTarget } from '../main/core/results/target.js';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? parseTarget(args.splice(t, 2)[1]) : DEFAULT_TARGET;
const metric = target.metric;
const rows = args.flatMap((dir) => (parse(readFileSync(join(dir, 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map(parseResultRow));
const points = settingPoints(rows);
const onFrontier = new Set(Object.values(frontiers(points, metric)).flatMap((f) => f.map(settingId)));
const providers = [...new Set(points.map((p) => p.provider))];
const settings = new Map<string, typeof points>();
for (const p of points) {
  const k = `${p.factor}|${p.format}|${p.quality}`;
  settings.set(k, [...(settings.get(k) ?? []), p]);
}
const ordered = [...settings.values()].sort((a, b) => a[0].stored_bytes_mean - b[0].stored_bytes_mean);
const model = (p: string) => points.find((x) => x.provider === p)!.model;
const head = ['stored as', 'mean size', 'saved', ...providers.map((p) => `${metricLabel(metric)} ${p}${p === 'local-ai' ? ` (${model(p).replace(/ x\d+.*/, '')})` : ''}`)];
const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
for (const group of ordered) {
  const first = group[0];
  const cells = providers.map((prov) => {
    const p = group.find((x) => x.provider === prov);
    const mean = p ? meanOf(p, metric) : null;
    if (!p || mean === null) return '';
    const v = scoreText(metric, mean).slice(metricLabel(metric).length + 1);
    return onFrontier.has(settingId(p)) ? `**${v}**` : v;
  });
  lines.push(`| ${describeSetting(first)} | ${formatBytes(first.stored_bytes_mean)} | ${first.saved_percent_mean.toFixed(1)}% | ${cells.join(' | ')} |`);
}
process.stdout.write(lines.join('\n') + '\n\n');
const targets = metric === 'ssimulacra2' ? [...new Set([...Object.values(SSIMULACRA2_LEVELS), target.value])].sort((a, b) => a - b).map((value) => ({ metric, value })) : [target];
for (const x of targets) process.stdout.write(`- ${describeTarget(x)}: ${recommendationSentence(recommend(points, x), x, providers.includes('none'))}\n`);
