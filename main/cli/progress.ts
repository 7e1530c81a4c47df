import cliProgress from 'cli-progress';
import { basename } from 'node:path';
import type { RunEvent } from '../core/pipeline/events.js';
import { plural } from '../core/plural.js';

export interface Reporter {
  (e: RunEvent): void;
  stop(): void;
}

/** A bar with count, rate and ETA on a terminal; plain lines when stderr is a file or a pipe. */
export function createReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  return stream.isTTY ? barReporter(stream) : lineReporter(stream);
}

function barReporter(stream: NodeJS.WriteStream): Reporter {
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {value}/{total} images | {rate}/min | ETA {eta_formatted} | {errors} | {current}',
      barsize: 28,
      hideCursor: true,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let errors = 0;
  let current = '';
  const payload = () => ({ rate: rate(bar.getProgress() * bar.getTotal(), started), errors: plural(errors, 'error'), current });
  const report = ((e: RunEvent) => {
    if (e.type === 'start') bar.start(e.total, 0, payload());
    else if (e.type === 'stage') current = `${basename(e.path)}${e.setting ? ` ${e.setting}` : ''} ${e.stage}${e.provider ? ` (${e.provider})` : ''}`;
    else if (e.type === 'tile') current = current.replace(/ tile \d+\/\d+$/, '') + ` tile ${e.done}/${e.total}`;
    else if (e.type === 'row' && e.row.status === 'error') errors++;
    else if (e.type === 'image-done') bar.update(e.done, payload());
    if (e.type === 'stage' || e.type === 'tile') bar.update(payload());
  }) as Reporter;
  report.stop = () => bar.stop();
  return report;
}

function lineReporter(stream: NodeJS.WriteStream): Reporter {
  const started = Date.now();
  // a sweep counts rows (an image takes many settings); a run counts images
  let sweep: { done: number; total: number } | null = null;
  const report = ((e: RunEvent) => {
    if (e.type === 'start' && e.settings > 1) sweep = { done: e.keptRows, total: e.rows };
    if (e.type === 'start') stream.write(`upscale-bench: ${plural(e.total, 'image')}${e.settings > 1 ? ` × ${plural(e.settings, 'setting')} = ${plural(e.rows, 'row')}` : ''}, providers ${e.providers.join(', ')} → ${e.outDir}\n`);
    if (e.type !== 'row') return;
    const r = e.row;
    const what =
      r.status === 'ok'
        ? `ok psnr=${fmt(r.psnr, 2)} ssim=${fmt(r.ssim, 3)} orb=${fmt(r.orb_score, 3)} saved=${fmt(r.saved_percent, 1)}% ${r.upscale_ms} ms`
        : `error ${r.error}`;
    const setting = r.factor !== null && r.format ? ` ÷${r.factor} ${r.format}${r.quality !== null ? ` q${r.quality}` : ''}` : '';
    const count = sweep ? `${++sweep.done}/${sweep.total} rows` : `${e.done}/${e.total}`;
    stream.write(`[${count}] ${r.provider}${setting} ${r.image_path}: ${what} (${rate(e.done, started)}/min)\n`);
  }) as Reporter;
  report.stop = () => {};
  return report;
}

const rate = (done: number, started: number) => ((done / Math.max(1, Date.now() - started)) * 60_000).toFixed(1);

export function fmt(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined) return '–';
  if (x === Infinity) return 'inf';
  return x.toFixed(digits);
}
