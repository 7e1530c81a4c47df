import cliProgress from 'cli-progress';
import type { RunEvent } from '../core/pipeline/events.js';
import { RunProgress } from '../core/pipeline/run-progress.js';
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
  const progress = new RunProgress();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // {left}, not {eta}: cli-progress fills its own eta token (whole images, no unit) over a payload's
      format: ' {bar} {value}/{total} images | {rate}/min | ETA {left} | {errors} | {current}',
      barsize: 24,
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = () => ({
    rate: rate(progress.doneHere, started),
    left: duration(progress.etaSeconds()),
    errors: plural(progress.errors, 'error'),
    current: inFlightText(progress, Math.max(20, (stream.columns ?? 120) - 75)),
  });
  const listing = listingReporter((line, done) => stream.write(`\r${line}${done ? '\n' : ''}`));
  const report = ((e: RunEvent) => {
    if (e.type === 'listing') return listing(e);
    progress.update(e);
    if (e.type === 'start') {
      bar.start(e.total, e.done, payload());
      tick = setInterval(() => bar.update(payload()), 1000); // the ETA counts down between tiles
      tick.unref();
    } else if (e.type === 'image-done') bar.update(e.done, payload());
    else if (e.type !== 'end') bar.update(payload());
  }) as Reporter;
  let tick: NodeJS.Timeout | undefined;
  report.stop = () => {
    clearInterval(tick);
    bar.stop();
  };
  return report;
}

/** Each image in flight with its own step: "chelsea.png upscale 3/12 · coffee.png score" (or only image `only`'s). */
export function inFlightText(p: RunProgress, width: number, only?: number): string {
  const parts = [...p.inFlight.values()]
    .filter((i) => only === undefined || i.index === only)
    .sort((a, b) => a.index - b.index)
    .map((i) => `${i.name}${i.setting ? ` ${i.setting}` : ''} ${i.stage}${i.tile && i.tile.total > 1 ? ` ${i.tile.done}/${i.tile.total}${i.tile.inFlight ? ` (${i.tile.inFlight} in flight)` : ''}` : ''}`);
  const text = parts.join(' · ');
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function lineReporter(stream: NodeJS.WriteStream): Reporter {
  const started = Date.now();
  const progress = new RunProgress();
  // a sweep counts rows (an image takes many settings); a run counts images
  let sweep: { done: number; total: number } | null = null;
  const eta = () => `(${rate(progress.doneHere, started)}/min, ETA ${duration(progress.etaSeconds())})`;
  const listing = listingReporter((line) => stream.write(`${line}\n`));
  const report = ((e: RunEvent) => {
    if (e.type === 'listing') return listing(e);
    progress.update(e);
    if (e.type === 'start' && e.settings > 1) sweep = { done: e.keptRows, total: e.rows };
    if (e.type === 'start') stream.write(`upscale-bench: ${plural(e.total, 'image')}${e.settings > 1 ? ` × ${plural(e.settings, 'setting')} = ${plural(e.rows, 'row')}` : ''}, providers ${e.providers.join(', ')} → ${e.outDir}\n`);
    // a log has no bar to redraw: a line at each tenth of an image's tiles, so its ETA moves within the image too
    if (e.type === 'tile' && e.done > 0 && e.done < e.total && tenth(e.done, e.total) > tenth(e.done - 1, e.total)) {
      stream.write(`[${progress.done}/${progress.total}] ${inFlightText(progress, Infinity, e.index)} ${eta()}\n`);
    }
    if (e.type !== 'row') return;
    const r = e.row;
    const what =
      r.status === 'ok'
        ? `ok psnr=${fmt(r.psnr, 2)} ssim=${fmt(r.ssim, 3)} orb=${fmt(r.orb_score, 3)}${r.ssimulacra2 != null ? ` ssimulacra2=${fmt(r.ssimulacra2, 1)}` : ''}${r.butteraugli != null ? ` butteraugli=${fmt(r.butteraugli, 2)}` : ''} saved=${fmt(r.saved_percent, 1)}% ${r.upscale_ms} ms`
        : `error ${r.error}`;
    const setting = r.factor !== null && r.format ? ` ÷${r.factor} ${r.format}${r.quality !== null ? ` q${r.quality}` : ''}` : '';
    const count = sweep ? `${++sweep.done}/${sweep.total} rows` : `${e.done}/${e.total}`;
    stream.write(`[${count}] ${r.provider}${setting} ${r.image_path}: ${what} ${eta()}\n`);
  }) as Reporter;
  report.stop = () => {};
  return report;
}

/** "listing s3://b/photos: 12,000 objects, 3,400 images", at most once a second and when the listing ends. */
function listingReporter(write: (line: string, done: boolean) => void): (e: Extract<RunEvent, { type: 'listing' }>) => void {
  let last = 0;
  return (e) => {
    if (!e.done && Date.now() - last < 1000) return;
    last = Date.now();
    const count = (n: number, noun: string) => plural(n, noun).replace(/^\d+/, n.toLocaleString('en-US'));
    write(`listing ${e.input}: ${count(e.objects, 'object')}, ${count(e.images, 'image')}${e.done ? '' : '…'}`, e.done);
  };
}

const tenth = (done: number, total: number) => Math.floor((done * 10) / total);

/** "–" until there is a basis, then "45s", "3m 05s", "1h 02m". */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
const rate = (done: number, started: number) => ((done / Math.max(1, Date.now() - started)) * 60_000).toFixed(1);

export function fmt(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined) return '–';
  if (x === Infinity) return 'inf';
  return x.toFixed(digits);
}
