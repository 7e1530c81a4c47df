import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DOWNSCALE, FACTORS, KERNELS, type Factor, type Kernel } from '../../core/image/downscale.js';
import { STORE_FORMATS, type StoreFormat } from '../../core/image/formats.js';
import { DEFAULT_MAX_PIXELS } from '../../core/image/read.js';
import { type RunSettings, runTarget, withTargetScored } from '../../core/pipeline/settings.js';
import { BenchError } from '../../core/errors.js';
import { atMeaning, describeTarget, metricLabel, targetAt } from '../../core/results/target.js';
import { formatBytes } from '../../core/results/format-bytes.js';
import { describeSetting, edgeSentence, recommendationSentence, RECOMPRESS_ONLY, scoreText, statisticOf } from '../../core/results/pareto.js';
import { worstCaseSentence } from '../../core/results/worst-case.js';
import { policySentence } from '../../core/results/policy.js';
import type { RunSummary } from '../../core/results/summary.js';
import {
  addProviderOptions,
  addStoreOptions,
  atOption,
  type CommonOpts,
  concurrencyOption,
  inputFrom,
  sampleOption,
  groupByOption,
  int,
  metricsOption,
  type MetricsOpts,
  resumableArgs,
  providersFrom,
  sagemakerRunFrom,
  storeFrom,
  targetFrom,
  targetOption,
  type TargetOpts,
} from '../options.js';
import { confidenceLines } from '../../core/results/confidence-answer.js';
import { groupPolicyLines, groupRecommendationLines, groupsSentence } from '../../core/results/group-summary.js';
import { runInTerminal } from './run.js';
import { printPlan } from '../plan-line.js';
import { resumeSweepSettings } from '../resume-settings.js';

interface SweepOpts extends Omit<CommonOpts, 'factor' | 'format' | 'quality' | 'fit'>, MetricsOpts, TargetOpts {
  factors: Factor[];
  formats: StoreFormat[];
  qualities: number[];
  adaptive?: boolean;
  qualityStep: number;
  concurrency: number;
  out?: string;
  resume?: string;
  json?: boolean;
}

/** "1,2,4" → [1, 2, 4], each checked; order kept, repeats dropped. */
const listOf =
  <T>(name: string, parse: (v: string) => T) =>
  (v: string): T[] => {
    const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
    if (!parts.length) throw new InvalidArgumentError(`${name} needs at least one value`);
    return [...new Set(parts.map(parse))];
  };
const oneOf = <T extends string | number>(name: string, values: readonly T[]) => (v: string) => {
  const hit = values.find((x) => String(x) === v);
  if (hit === undefined) throw new InvalidArgumentError(`${name} takes ${values.join(', ')}`);
  return hit;
};

export function sweepCommand(): Command {
  const cmd = new Command('sweep')
    .description('store every image at each factor × format × quality, upscale each copy with every provider, and recommend the cheapest setting that reaches a target score (default SSIMULACRA2 ≥ 70)')
    .argument('[input]', "a folder of images (searched recursively), a CSV with an image_path column (local paths or s3:// URIs), one image, or an s3://bucket/prefix (with --resume: the sweep's own)")
    .addOption(new Option('--factors <list>', `downscale factors to try (${FACTORS.join(', ')}); 1 re-encodes at full size and is scored as provider none`).argParser(listOf('--factors', oneOf('--factors', FACTORS))).default([1, 2, 4], '1,2,4'))
    .addOption(new Option('--formats <list>', `stored formats to try (${STORE_FORMATS.join(', ')})`).argParser(listOf('--formats', oneOf('--formats', STORE_FORMATS))).default(['webp', 'jpeg', 'avif'], 'webp,jpeg,avif'))
    .addOption(new Option('--qualities <list>', 'qualities to try for jpeg/webp/avif (1-100; png ignores them)').argParser(listOf('--qualities', int('--qualities', 1, 100))).default([50, 80, 95], '50,80,95'))
    .addOption(
      new Option('--target-ssim <x>', 'shorthand for --target ssim=X').argParser((v) => {
        const n = Number(v);
        if (v.trim() === '' || !(n > 0 && n <= 1)) throw new InvalidArgumentError('--target-ssim must be a number above 0 and at most 1');
        return n;
      }),
    )
    .addOption(targetOption())
    .addOption(atOption())
    .addOption(metricsOption())
    .option('--adaptive', "search each image's quality per factor and format by bisection (a handful of encodes instead of every quality), from the lowest to the highest of --qualities (default 10-95) in steps of --quality-step")
    .addOption(new Option('--quality-step <n>', 'the precision of --adaptive: qualities tried are this far apart').argParser(int('--quality-step', 1, 50)).default(5))
    .addOption(new Option('--kernel <k>', 'downscale kernel').choices(KERNELS).default(DEFAULT_DOWNSCALE.kernel))
    .addOption(new Option('--max-pixels <n>', 'refuse images above this many pixels before decoding').argParser(int('--max-pixels', 1, 2 ** 31)).default(DEFAULT_MAX_PIXELS))
    .addOption(concurrencyOption())
    .addOption(sampleOption())
    .addOption(groupByOption())
    .option('--out <dir>', 'output folder (default: TestResults/<timestamp> here)')
    .option('--resume <dir>', 'continue an interrupted sweep in DIR with its recorded input, grid and providers (flags given beside it must match): finished rows are kept, the rest are done')
    .option('--json', 'print summary.json to stdout at the end');
  addProviderOptions(cmd, true);
  addStoreOptions(cmd, 'a folder in the run output');
  return cmd.action(async (input: string | undefined, o: SweepOpts & { kernel: Kernel }) => {
    const given = resumableArgs(cmd, input, o);
    if (o.target && o.targetSsim !== undefined) throw new BenchError('ERROR_BAD_SETTINGS', '--target-ssim X is short for --target ssim=X: give one of them');
    const settings: RunSettings = o.resume
      ? await resumeSweepSettings(o.resume, input, o, given)
      : {
          input: input!,
          out: o.out,
          providers: providersFrom(o as unknown as CommonOpts),
          downscale: { ...DEFAULT_DOWNSCALE, kernel: o.kernel },
          store: storeFrom(o as unknown as CommonOpts),
          concurrency: o.concurrency,
          sagemakerRun: sagemakerRunFrom(o as unknown as CommonOpts),
          maxPixels: o.maxPixels,
          ...inputFrom(input!, o as unknown as CommonOpts),
          sweep: o.adaptive
            ? { factors: o.factors, formats: o.formats, qualities: qualityLadder(cmd.getOptionValueSource('qualities') === 'default' ? [10, 95] : o.qualities, o.qualityStep), adaptive: true }
            : { factors: o.factors, formats: o.formats, qualities: o.qualities },
          metrics: withTargetScored(o.metrics, targetFrom(o)),
          target: targetFrom(o),
        };
    await printPlan('sweep', settings);
    await runInTerminal(settings, o, (s) => printRecommendation(s, settings.sweep!.factors.includes(1)));
  });
}

function printRecommendation(s: RunSummary, recompressTested: boolean): void {
  if (s.status !== 'completed') return;
  const target = runTarget({ target: s.target, targetSsim: s.target_ssim });
  const at = targetAt(target);
  if (s.recommendation !== undefined) process.stderr.write(`\nfor a ${at === 'mean' ? 'mean ' : ''}${describeTarget(target)}: ${recommendationSentence(s.recommendation, target, recompressTested)}\n`);
  if (s.recommendation) {
    if (at !== 'mean') process.stderr.write(`(${atMeaning(at)})\n`);
    // each pick's images one by one: how many reach the target, and the one to open first
    const rec = s.recommendation;
    // a recompress-only pick is its own comparison
    const picks =
      rec.provider === RECOMPRESS_ONLY
        ? [{ who: `recompress-only ${describeSetting(rec)}`, w: rec.worst_case }]
        : [{ who: `${rec.provider} ${describeSetting(rec)}`, w: rec.worst_case }, ...(rec.recompress_only ? [{ who: `recompress-only ${describeSetting(rec.recompress_only)}`, w: rec.recompress_only.worst_case }] : [])];
    for (const { who, w } of picks) if (w) process.stderr.write(`  ${who}: ${worstCaseSentence(w, target)}\n`);
    const edge = edgeSentence(rec.edge ?? []);
    if (edge) process.stderr.write(`${edge}\n`);
  }
  for (const line of confidenceLines(s.comparisons ?? [], s.recommendation, true, s.pareto)) process.stderr.write(`${line}\n`);
  const adaptive = Boolean((s.settings.sweep as { adaptive?: boolean } | undefined)?.adaptive);
  if (!adaptive) printGroupLines(s, groupRecommendationLines(s.groups ?? [], target, recompressTested), groupsSentence(s.groups ?? [], target));
  if (s.adaptive_policy) process.stderr.write(`per image: ${policySentence(s.adaptive_policy, formatBytes)}\n`);
  if (adaptive) printGroupLines(s, groupPolicyLines(s.groups ?? [], formatBytes));
  const a = s.adaptive_search;
  if (a) process.stderr.write(`the adaptive search made ${a.copies_made} of the grid's ${a.copies_in_grid} stored copies (${a.saved_percent}% fewer encodes)\n`);
  const frontier = Object.entries(s.pareto ?? {});
  if (frontier.length) {
    const stat = at === 'mean' ? '' : `${at} `;
    process.stderr.write(`frontier (fewest bytes for the ${stat}${metricLabel(target.metric)}), per provider:\n`);
    for (const [provider, list] of frontier) {
      const points = list.map((p) => `${p.format}${p.quality !== null ? ` q${p.quality}` : ''} ${p.factor === 1 ? 'full' : `÷${p.factor}`} ${formatBytes(p.stored_bytes_mean)} ${stat}${scoreText(target.metric, statisticOf(p, target.metric, at))}`);
      process.stderr.write(`  ${provider.padEnd(10)} ${points.join(' · ')}${provider === RECOMPRESS_ONLY ? '  (recompress only)' : ''}\n`);
    }
  }
}

/** Under the overall answer, one line per group (its recommendation, or an adaptive sweep's policy) and, when the groups differ, what to do with each. */
function printGroupLines(s: RunSummary, lines: string[], sentence = ''): void {
  if ((s.groups?.length ?? 0) < 2 || !lines.length) return;
  process.stderr.write(`per group (${s.group_by}):\n${lines.map((l) => `  ${l}\n`).join('')}`);
  if (sentence) process.stderr.write(`${sentence}\n`);
}

/** --adaptive's qualities: from the lowest to the highest given, `step` apart, the highest always included. */
export function qualityLadder(given: number[], step: number): number[] {
  const lo = Math.min(...given);
  const hi = Math.max(...given);
  const out: number[] = [];
  for (let q = lo; q < hi; q += step) out.push(q);
  return [...out, hi];
}
