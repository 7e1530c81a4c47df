import { Command } from 'commander';
import { plural } from '../../core/plural.js';
import { formatBytes } from '../../core/results/format-bytes.js';
import type { ProviderSummary, RunSummary } from '../../core/results/summary.js';
import { confidenceLines } from '../../core/results/confidence-answer.js';
import { closeAllInferenceWorkers, inferenceTilesRunning } from '../../core/inference/inference-worker.js';
import { runBatch } from '../../core/pipeline/run-batch.js';
import { type RunSettings, runTarget, withTargetScored } from '../../core/pipeline/settings.js';
import { groupMeanLines } from '../../core/results/group-summary.js';
import { worstCaseSentence } from '../../core/results/worst-case.js';
import {
  addDownscaleOptions,
  addProviderOptions,
  addStoreOptions,
  atOption,
  type CommonOpts,
  concurrencyOption,
  inputFrom,
  sampleOption,
  groupByOption,
  downscaleFrom,
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
import { createReporter, fmt } from '../progress.js';
import { printPlan } from '../plan-line.js';
import { resumeSettings } from '../resume-settings.js';

interface RunOpts extends CommonOpts, MetricsOpts, TargetOpts {
  concurrency: number;
  out?: string;
  resume?: string;
  json?: boolean;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description('downscale, store, fetch, upscale and score every image in a folder or CSV of paths')
    .argument('[input]', "a folder of images (searched recursively), a CSV with an image_path column (local paths or s3:// URIs), one image, or an s3://bucket/prefix (with --resume: the run's own)")
    .addOption(concurrencyOption())
    .addOption(metricsOption())
    .addOption(targetOption())
    .addOption(atOption())
    .addOption(sampleOption())
    .addOption(groupByOption())
    .option('--out <dir>', 'output folder (default: TestResults/<timestamp> here)')
    .option('--resume <dir>', "continue an interrupted run in DIR with its recorded input and settings (flags given beside it must match): finished rows are kept, the rest are done")
    .option('--json', 'print summary.json to stdout at the end');
  addProviderOptions(cmd, true);
  addDownscaleOptions(cmd);
  addStoreOptions(cmd, 'a folder in the run output');
  return cmd.action(async (input: string | undefined, o: RunOpts) => {
    const given = resumableArgs(cmd, input, o);
    const settings: RunSettings = o.resume
      ? await resumeSettings(o.resume, input, o, given)
      : {
          input: input!,
          out: o.out,
          providers: providersFrom(o),
          downscale: downscaleFrom(o),
          store: storeFrom(o),
          concurrency: o.concurrency,
          sagemakerRun: sagemakerRunFrom(o as unknown as CommonOpts),
          maxPixels: o.maxPixels,
          // a target asked for is scored; without one, the scores are as given
          metrics: o.target ? withTargetScored(o.metrics, targetFrom(o)) : o.metrics,
          ...(o.target || o.at ? { target: targetFrom(o) } : {}),
          ...inputFrom(input!, o),
        };
    await printPlan('run', settings);
    await runInTerminal(settings, o);
  });
}

/** Runs a batch with the progress display and Ctrl-C handling, prints the summary, sets the exit code. */
export async function runInTerminal(settings: RunSettings, o: { resume?: string; json?: boolean }, epilogue?: (s: RunSummary) => void): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) return quitNow();
    process.stderr.write('\nstopping after the current step; finished rows are kept (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const reporter = createReporter();
  let summary: RunSummary;
  try {
    summary = await runBatch(settings, { signal: controller.signal, onEvent: reporter, resume: o.resume });
  } finally {
    reporter.stop();
  }
  printSummary(summary);
  epilogue?.(summary);
  if (o.json) process.stdout.write(JSON.stringify(summary, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  // Everything is written. A tile abandoned on cancel is still running inside onnxruntime; exiting
  // under it would abort the process, so let it end and the workers close themselves first.
  if (inferenceTilesRunning()) process.stderr.write('letting the local model finish its current tile…\n');
  await closeAllInferenceWorkers();
  process.off('SIGINT', onSigint);
  if (summary.status === 'cancelled') process.exit(130);
  process.exitCode = exitCode(summary);
}

/** README, *Exit codes*: scripts tell a clean run from one with error rows, a lost store and an unwritable output. */
export const EXIT = { ok: 0, failed: 1, errorRows: 3, stopped: 4 } as const;

function exitCode(s: RunSummary): number {
  if (s.status === 'failed') return EXIT.failed;
  if (s.status === 'stopped') return EXIT.stopped;
  return s.counts.errors ? EXIT.errorRows : EXIT.ok;
}

/**
 * A second Ctrl-C: die by SIGINT itself (the shell reports 130) without the exit-time teardown of
 * worker threads, which would abort under a tile still inside onnxruntime.
 */
function quitNow(): void {
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
}

function printSummary(s: RunSummary): void {
  const out = process.stderr;
  const c = s.counts;
  const head =
    s.status === 'cancelled'
      ? `cancelled: ${cancelled(s)} (continue with --resume ${s.output_dir})`
      : s.status === 'failed' || s.status === 'stopped'
        ? `stopped: ${s.message}`
        : `done: ${plural(c.inputs, 'image')}, ${plural(c.ok, 'ok row')}, ${plural(c.errors, 'error row')}${s.resumed ? ` (${s.settings.sweep ? plural(s.resumed.kept_rows, 'row') : plural(s.resumed.kept_inputs, 'image')} kept from the interrupted run)` : ''}`;
  out.write(`\n${head} (${(s.wall_ms / 1000).toFixed(1)} s)\n`);
  const t = s.totals;
  // a sweep stores each image many times; its storage answer is the recommendation printed after this
  if (t.original_bytes && !s.settings.sweep) out.write(`storage: ${formatBytes(t.original_bytes)} → ${formatBytes(t.stored_bytes)} stored (saved ${fmt(t.saved_percent, 1)}%)\n`);
  // a provider that ran several models (local-ai across a sweep's factors) has a line per model, named
  const models = new Map<string, number>();
  for (const p of s.providers) models.set(p.provider, (models.get(p.provider) ?? 0) + 1);
  const label = (p: ProviderSummary) => (models.get(p.provider)! > 1 ? `${p.provider} ${p.model}` : p.provider);
  const width = Math.max(10, ...s.providers.map((p) => label(p).length));
  for (const p of s.providers) {
    // rows without keypoints or matches have no ORB: say how many the mean left out
    const orbUndefined = p.orb_undefined ? ` (${plural(p.orb_undefined, 'row')} undefined)` : '';
    out.write(
      `  ${label(p).padEnd(width)} ${String(p.ok).padStart(5)} ok ${String(p.errors).padStart(4)} err | PSNR ${fmt(p.mean_psnr, 2)} dB | SSIM ${fmt(p.mean_ssim, 4)} | ORB ${fmt(p.mean_orb, 3)}${orbUndefined} | ${fmt(p.mean_upscale_ms, 0)} ms/image\n`,
    );
  }
  // a sweep prints its comparisons, worst cases and groups at the recommended setting, after the recommendation
  if (!s.settings.sweep) {
    const target = s.target ?? runTarget(s.settings as Pick<RunSettings, 'target' | 'targetSsim'>);
    for (const line of confidenceLines(s.comparisons ?? [], s.recommendation, false)) out.write(`${line}\n`);
    for (const w of s.worst_case ?? []) out.write(`  ${w.provider}: ${worstCaseSentence(w, target)}\n`);
    if ((s.groups?.length ?? 0) > 1) out.write(`per group (${s.group_by}):\n${groupMeanLines(s.groups!, target, (x) => fmt(x, 1)).map((l) => `  ${l}\n`).join('')}`);
  }
  out.write(`results: ${s.results_csv}\n`);
}

/** "3 of 12 images finished; their rows are kept", or, when none did, what is kept (a sweep's finished settings) if anything. */
function cancelled(s: RunSummary): string {
  const c = s.counts;
  const finished = c.inputs - c.not_run;
  if (finished) return `${finished} of ${plural(c.inputs, 'image')} finished; their rows are kept`;
  return c.rows ? `no image finished all its settings; ${plural(c.rows, 'finished row')} kept` : `no image finished, so no row was written`;
}
