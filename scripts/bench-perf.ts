/**
 * `npm run bench:perf [-- --only=scoring,ssimulacra2,batch,pipeline,rss,rss-imported,models,imported,int8,workers,scheduler,adaptive,butteraugli,sagemaker,bootstrap,groups,s3-list]`: prints the
 * performance table the README quotes. Each heavy case runs in a child process so its peak RSS is its own. The ssimulacra2 case
 * times libjxl 0.11's own tool beside ours when SSIMULACRA2 names it (see scripts/reference/make-ssimulacra2-fixtures.ts for how to
 * get it).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile, rm, cp } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { compactGflopPerOutputMp, rrdbGflopPerOutputMp } from './synthetic-models.js';
import { MEASURED_THREADS, workerPlan } from '../main/core/inference/worker-plan.js';
import { mulberry32 } from '../main/core/results/confidence.js';
import { addConfidence } from '../main/core/results/confidence-answer.js';
import { describeSetting } from '../main/core/results/pareto.js';
import { type ResultRow, emptyRow } from '../main/core/results/row.js';
import { storageAnswer, summariseProviders } from '../main/core/results/summary.js';
import { answerOf } from '../main/core/results/answer.js';
import { groupAnswers } from '../main/core/results/group-summary.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The last commit before issue 11's inference scheduler: one session per image, cores ÷ concurrency threads each. */
const BEFORE_SCHEDULER = '230a779';
const BEFORE_MISSING = 'before the scheduler: not measured (needs this repository\'s git history)';
const PHOTOS = join(ROOT, 'test', 'fixtures', 'photos');
const only = (process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? 'scoring,ssimulacra2,batch,pipeline,rss,rss-imported,workers,scheduler,models,int8,adaptive,bootstrap,groups,soak').split(',');
const rows: string[][] = [];
const row = (...cells: (string | number)[]) => {
  rows.push(cells.map(String));
  console.error(`  ${cells.join(' | ')}`);
};

const child = (mode: string, ...args: string[]) => childWith({}, mode, ...args);

function childWith(env: Record<string, string>, mode: string, ...args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-child.ts'), mode, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function makePair(dir: string, w: number, h: number, name: string) {
  const a = join(dir, `${name}.a.png`);
  const b = join(dir, `${name}.b.png`);
  await sharp(join(PHOTOS, 'astronaut.png')).resize(w, h, { fit: 'fill' }).png({ compressionLevel: 1 }).toFile(a);
  const small = await sharp(a).resize(Math.round(w / 4), Math.round(h / 4)).png().toBuffer();
  await sharp(small).resize(w, h, { fit: 'fill', kernel: 'cubic' }).png({ compressionLevel: 1 }).toFile(b);
  return [a, b];
}

const work = await mkdtemp(join(tmpdir(), 'bench-'));
let rss24: Record<string, number> | undefined;
console.error(`bench: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, node ${process.version}; scratch ${work}`);

if (only.includes('scoring')) {
  for (const [w, h, label] of [[1024, 1024, '1024×1024'], [4000, 3000, '12 MP']] as const) {
    const [a, b] = await makePair(work, w, h, `pair-${w}`);
    const ours = child('score', a, b, w > 2000 ? '3' : '20');
    let native = '–';
    if (existsSync('/usr/bin/python3')) {
      const py = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts', 'reference', 'bench-native-score.py'), a, b, w > 2000 ? '3' : '20'], { encoding: 'utf8' });
      if (py.status === 0) native = JSON.parse(py.stdout).pairs_per_s.toFixed(2);
    }
    row('scoring', label, `${ours.pairs_per_s.toFixed(2)} pairs/s (orb ${ours.orb_ms.toFixed(0)} ms, ssim ${ours.ssim_ms.toFixed(0)} ms, psnr ${ours.psnr_ms.toFixed(0)} ms)`, `native OpenCV+skimage ${native} pairs/s`, `peak RSS ${ours.rss_mb.toFixed(0)} MB`);
  }
}

if (only.includes('butteraugli')) {
  // libjxl's tool timed on the same pair in the same run: BUTTERAUGLI_MAIN is its command (see
  // scripts/reference/make-butteraugli-fixtures.ts); its time includes decoding the two PNGs.
  const tool = process.env.BUTTERAUGLI_MAIN?.split(' ').filter(Boolean);
  for (const [w, h, label] of [[1024, 1024, '1 MP'], [4000, 3000, '12 MP']] as const) {
    const [a, b] = await makePair(work, w, h, `ba-${w}`);
    const ours = child('butteraugli', a, b, '1');
    let native = 'libjxl: set BUTTERAUGLI_MAIN to time it';
    if (tool) {
      const t = performance.now();
      const out = execFileSync(tool[0], [...tool.slice(1), a, b], { encoding: 'utf8' });
      const sec = (performance.now() - t) / 1000;
      native = `libjxl butteraugli_main ${((w * h) / 1e6 / sec).toFixed(2)} MP/s (distance ${Number(out.split('\n')[0]).toFixed(3)})`;
    }
    row('butteraugli', `${label} (astronaut vs ÷4 bicubic)`, `${ours.mps.toFixed(2)} MP/s (distance ${ours.distance.toFixed(3)})`, native, `peak RSS ${ours.rss_mb.toFixed(0)} MB (${ours.rss_before_mb.toFixed(0)} MB with the decoded pair)`);
  }
}

if (only.includes('ssimulacra2')) {
  for (const [w, h, label, reps] of [[1024, 1024, '1024×1024', '3'], [6000, 4000, '24 MP', '1']] as const) {
    const [a, b] = await makePair(work, w, h, `s2-${w}`);
    const ours = child('ssimulacra2', a, b, reps);
    const theirs = process.env.SSIMULACRA2 ? libjxlSsimulacra2(process.env.SSIMULACRA2, a, b) : undefined;
    const mps = (ms: number) => `${(ours.mp / (ms / 1000)).toFixed(2)} MP/s`;
    row(
      'ssimulacra2',
      `${label} (x4 bicubic)`,
      `${mps(ours.ms)} (${(ours.ms / 1000).toFixed(2)} s; CPU ${mps(ours.cpu_ms)}), score ${ours.score.toFixed(3)}`,
      theirs ? `libjxl 0.11 tool ${mps(theirs.ms)} (CPU ${mps(theirs.cpu_ms)}, PNG decoding included), score ${theirs.score.toFixed(3)}` : 'libjxl: set SSIMULACRA2 to time its tool',
      `peak RSS ${ours.rss_mb.toFixed(0)} MB (${ours.rss_before_mb.toFixed(0)} MB with both images decoded, before scoring)`,
    );
  }
}

/** One run of libjxl's tool: wall time, and its CPU time from bash's `times` (the machine may be shared). */
function libjxlSsimulacra2(tool: string, a: string, b: string) {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', 'out=$("$0" "$1" "$2") || exit 1; echo "$out"; times', tool, a, b], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ssimulacra2 tool failed: ${r.stderr}`);
  const [score, , children] = r.stdout.trim().split('\n');
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
  return { score: Number(score), ms, cpu_ms: secs * 1000 };
}

if (only.includes('pipeline')) {
  const dir = join(work, 'photos');
  for (let i = 0; i < 12; i++) for (const f of ['astronaut.png', 'chelsea.png', 'coffee.png', 'motorcycle_left.png']) await cp(join(PHOTOS, f), join(dir, `${i}-${f}`));
  const seq = child('pipeline', dir, join(work, 'seq'), '1', 'bicubic');
  const par = child('pipeline', dir, join(work, 'par'), String(availableParallelism()), 'bicubic');
  row('pipeline bicubic', '48 photos 0.1–0.4 MP', `concurrency 1: ${seq.images_per_s.toFixed(2)} img/s`, `concurrency ${availableParallelism()}: ${par.images_per_s.toFixed(2)} img/s`, `speed-up ×${(par.images_per_s / seq.images_per_s).toFixed(2)}`);
  const seqAi = child('pipeline', dir, join(work, 'seq-ai'), '1', 'local-ai', 'slim');
  const parAi = child('pipeline', dir, join(work, 'par-ai'), String(availableParallelism()), 'local-ai', 'slim');
  row('pipeline local-ai slim', '48 photos', `concurrency 1: ${seqAi.images_per_s.toFixed(2)} img/s`, `concurrency ${availableParallelism()}: ${parAi.images_per_s.toFixed(2)} img/s`, `speed-up ×${(parAi.images_per_s / seqAi.images_per_s).toFixed(2)}`);
}

if (only.includes('batch')) {
  // The bicubic x4 batch of the README photos, ours against the same done natively (OpenCV + scikit-image, and
  // libjxl's ssimulacra2 tool when SSIMULACRA2 names it), both on every core, with and without SSIMULACRA2.
  const dir = join(work, 'batch');
  const names = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png', 'logo.png', 'motorcycle_left.png', 'rocket.jpg'];
  for (let i = 0; i < 4; i++) for (const f of names) await cp(join(PHOTOS, f), join(dir, `${i}-${f}`));
  const cores = String(availableParallelism());
  const native = (tag: string, tool: string[]) => {
    const py = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts', 'reference', 'bench-native-batch.py'), dir, join(work, `native-${tag}`), cores, ...tool], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`native batch failed: ${py.stderr}`);
    return JSON.parse(py.stdout) as { seconds: number };
  };
  for (const [label, metrics, tool] of [
    ['ORB, PSNR, SSIM', 'orb,psnr,ssim', []],
    ['+ SSIMULACRA2 (the defaults)', 'orb,psnr,ssim,ssimulacra2', process.env.SSIMULACRA2 ? [process.env.SSIMULACRA2] : null],
  ] as const) {
    if (!tool) {
      row('batch bicubic x4', label, 'native: set SSIMULACRA2 to time libjxl\'s tool');
      continue;
    }
    const ours = childWith({ BENCH_METRICS: metrics }, 'pipeline', dir, join(work, `batch-${metrics}`), cores, 'bicubic');
    const theirs = native(metrics, [...tool]);
    row('batch bicubic x4', `${names.length * 4} README photos, ${label}`, `${ours.seconds.toFixed(1)} s`, `native ${theirs.seconds.toFixed(1)} s${tool.length ? ' (libjxl ssimulacra2 tool)' : ''}`, `**${(ours.seconds / theirs.seconds).toFixed(2)}×** native; peak RSS ${ours.rss_mb.toFixed(0)} MB`);
  }
}

if (only.includes('rss')) {
  const big = join(work, 'big');
  await sharp(join(PHOTOS, 'astronaut.png')).resize(6000, 4000, { fit: 'fill' }).jpeg({ quality: 92 }).toFile(join(big, '24mp.jpg')).catch(async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(big, { recursive: true });
    await sharp(join(PHOTOS, 'astronaut.png')).resize(6000, 4000, { fit: 'fill' }).jpeg({ quality: 92 }).toFile(join(big, '24mp.jpg'));
  });
  const bic = child('pipeline', big, join(work, 'rss-bicubic'), '2', 'bicubic');
  row('24 MP through pipeline', 'bicubic x4', `${bic.seconds.toFixed(1)} s`, `peak RSS ${bic.rss_mb.toFixed(0)} MB`);
  const thick = child('pipeline', big, join(work, 'rss-thick'), '2', 'local-ai', 'thick');
  row('24 MP through pipeline', 'local-ai thick x4 (default)', `${thick.seconds.toFixed(1)} s (${(24 / thick.upscale_s).toFixed(3)} MP/s out)`, `peak RSS ${thick.rss_mb.toFixed(0)} MB (${thick.rss_upscale_mb.toFixed(0)} MB while upscaling, ${thick.rss_score_mb.toFixed(0)} MB while scoring)`);
  rss24 = thick;
  const thick8 = child('pipeline', big, join(work, 'rss-thick-int8'), '2', 'local-ai', 'thick', 'int8');
  row('24 MP through pipeline', 'local-ai thick x4 --precision int8', `${thick8.seconds.toFixed(1)} s (${(24 / thick8.upscale_s).toFixed(3)} MP/s out)`, `peak RSS ${thick8.rss_mb.toFixed(0)} MB`);
}

if (only.includes('rss-imported')) {
  // A 24 MP photo through an imported RRDBNet-23 (random weights) at its defaults (two stages: the body on
  // large low-resolution tiles, the head in sub-tiles): the memory bound for imported models.
  const big = join(work, 'big-imported');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(big, { recursive: true });
  await sharp(join(PHOTOS, 'astronaut.png')).resize(6000, 4000, { fit: 'fill' }).jpeg({ quality: 92 }).toFile(join(big, '24mp.jpg'));
  const { syntheticRrdbNet } = await import('./synthetic-models.js');
  const { convertStateDict } = await import('../main/core/models/import/convert-state-dict.js');
  const { ModelLibrary } = await import('../main/core/models/library.js');
  const library = join(work, 'library');
  process.env.UPSCALE_BENCH_MODELS = library;
  const { descriptor, onnx } = convertStateDict(syntheticRrdbNet({ blocks: 23 }), 'safetensors');
  await new ModelLibrary().add('rrdbnet', { ...descriptor, sha256: '0'.repeat(64), sourceFile: 'rrdbnet.safetensors', sourceBytes: 0 }, onnx);
  const r = childWith({ UPSCALE_BENCH_MODELS: library }, 'pipeline', big, join(work, 'rss-imported'), '2', 'local-ai', 'rrdbnet', 'fp32');
  row('24 MP through pipeline', 'imported RRDBNet-23 x4 (defaults: two stages, 48 px body overlap)', `${r.seconds.toFixed(1)} s (${(24 / r.upscale_s).toFixed(3)} MP/s out)`, `peak RSS ${r.rss_mb.toFixed(0)} MB (${r.rss_upscale_mb.toFixed(0)} MB while upscaling, ${r.rss_score_mb.toFixed(0)} MB while scoring)`);
}

if (only.includes('workers')) {
  // Scaling from one core to all: W sessions × T threads each on thick x4 256 px tiles, all kept busy.
  // worker-plan.ts holds the table this measures; the scheduler runs what it says.
  const cores = availableParallelism();
  const plan = workerPlan(cores, '');
  const configs = new Map<string, [number, number]>();
  for (let w = 1; w <= cores; w++) configs.set(`${w}x1`, [w, 1]);
  for (let t = 2; t <= cores; t *= 2) configs.set(`1x${t}`, [1, t]);
  if (cores > 2) configs.set(`${cores / 2}x2`, [Math.floor(cores / 2), 2]);
  const base = childWith({}, 'workers', '1', '1', 'thick', 'fp32', '2').mps;
  row('workers', 'thick x4, 256 px tiles: 1 session × 1 thread', `${base.toFixed(3)} MP/s out`, '×1.00', '');
  for (const [name, [w, t]] of configs) {
    if (name === '1x1') continue;
    const r = childWith({}, 'workers', String(w), String(t), 'thick', 'fp32', '2');
    const chosen = w === plan.workers && t === plan.threadsEach ? 'the plan for this machine' : '';
    row('workers', `${w} session${w > 1 ? 's' : ''} × ${t} thread${t > 1 ? 's' : ''}`, `${r.mps.toFixed(3)} MP/s out`, `×${(r.mps / base).toFixed(2)}`, `${chosen}${chosen ? '; ' : ''}peak RSS ${r.rss_mb.toFixed(0)} MB`);
  }
  const table = MEASURED_THREADS.map((m) => `${m.cores} cores → ${m.threadsEach} thread${m.threadsEach > 1 ? 's' : ''} a session`).join(', ');
  row('workers', 'measured table in worker-plan.ts', table, `here: ${plan.workers} × ${plan.threadsEach}`, 'UPSCALE_BENCH_WORKERS=WxT overrides');
}

if (only.includes('scheduler')) {
  const cores = availableParallelism();
  const { mkdir } = await import('node:fs/promises');
  // Whole CLI runs (as issue 11 measured them), this code against the code just before the scheduler.
  const before = await checkoutBefore(work);
  /** `upscale-bench COMMAND DIR --out OUT ...args` through `bin`. */
  const cli = (bin: string, command: 'run' | 'sweep', dir: string, out: string, ...args: string[]) => {
    const t = performance.now();
    execFileSync(process.execPath, [bin, command, dir, '--out', out, ...args], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    const seconds = (performance.now() - t) / 1000;
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { providers: { total_upscale_ms: number }[] };
    return { seconds, upscale_s: summary.providers[0].total_upscale_ms / 1000 };
  };
  const NEW = join(ROOT, 'bin', 'upscale-bench.js');
  const OLD = before && join(before, 'bin', 'upscale-bench.js');
  let runs = 0;
  /**
   * Median wall time of each variant over `reps` rounds, the variants taking turns within a round, so
   * a burst of load elsewhere or a slow drift does not pick the winner.
   */
  const medians = (dir: string, reps: number, variants: [bin: string, command: 'run' | 'sweep', ...args: string[]][]) => {
    const times = variants.map(() => [] as number[]);
    for (let r = 0; r < reps; r++) variants.forEach(([bin, command, ...args], i) => times[i].push(cli(bin, command, dir, join(work, `cli-${runs++}`), ...args).seconds));
    return times.map((t) => t.sort((a, b) => a - b)[Math.floor(reps / 2)]);
  };

  // A lone 24 MP photo, thick x4: the scheduler against the code before it.
  const big = join(work, 'big');
  if (!existsSync(join(big, '24mp.jpg'))) {
    await mkdir(big, { recursive: true });
    await sharp(join(PHOTOS, 'astronaut.png')).resize(6000, 4000, { fit: 'fill' }).jpeg({ quality: 92 }).toFile(join(big, '24mp.jpg'));
  }
  const fresh = cli(NEW, 'run', big, join(work, 'sched-24-new'));
  const old = OLD ? cli(OLD, 'run', big, join(work, 'sched-24-old')) : undefined;
  row('24 MP thick x4, one image', `now: ${(24 / fresh.upscale_s).toFixed(3)} MP/s out (${fresh.seconds.toFixed(0)} s)`, old ? `before the scheduler: ${(24 / old.upscale_s).toFixed(3)} MP/s (${old.seconds.toFixed(0)} s)` : BEFORE_MISSING, old ? `×${(old.seconds / fresh.seconds).toFixed(2)}` : '', `plan here ${workerPlan(cores, '').workers} × ${workerPlan(cores, '').threadsEach}`);

  // A mixed batch: one 1000×872 photo and three small ones; and the large one alone.
  const mixed = join(work, 'mixed');
  await mkdir(mixed, { recursive: true });
  await sharp(join(PHOTOS, 'motorcycle_left.png')).resize(1000, 872, { fit: 'fill' }).png().toFile(join(mixed, 'a-large.png'));
  for (const f of ['chelsea.png', 'coffee.png', 'camera.png']) await cp(join(PHOTOS, f), join(mixed, `b-${f}`));
  const lone = join(work, 'lone');
  await mkdir(lone, { recursive: true });
  await cp(join(mixed, 'a-large.png'), join(lone, 'a-large.png'));
  const three = join(work, 'three');
  await mkdir(three, { recursive: true });
  for (const f of ['astronaut.png', 'coffee.png', 'chelsea.png']) await cp(join(PHOTOS, f), join(three, f));
  for (const [label, dir] of [['three photos of 0.14–0.26 MP, thick x4, whole CLI runs, median of 7 rounds', three], ['mixed batch (1 photo of 0.87 MP + 3 of 0.1–0.26 MP), thick x4, whole CLI runs, median of 7 rounds', mixed], ['one 0.87 MP photo alone, thick x4, whole CLI runs, median of 7 rounds', lone]] as const) {
    type Variant = [string, 'run', ...string[]];
    const [def, one, was, wasDefault] = medians(dir, 7, [[NEW, 'run'], [NEW, 'run', '--concurrency', '1'], ...(OLD ? ([[OLD, 'run', '--concurrency', '1'], [OLD, 'run']] as Variant[]) : [])]);
    row(
      label,
      `default: ${def.toFixed(2)} s; --concurrency 1: ${one.toFixed(2)} s`,
      was && wasDefault ? `before the scheduler: --concurrency 1 ${was.toFixed(2)} s, default ${wasDefault.toFixed(2)} s` : BEFORE_MISSING,
      `default ÷ c1 = ${(def / one).toFixed(2)}${was ? `; ÷ c1 before = ${(def / was).toFixed(2)}` : ''}`,
      'goal ≤ 0.90',
    );
  }

  // A sweep over three factors: three model files, whose tiles now share the run's cores.
  const SWEEP = ['--factors', '2,3,4', '--formats', 'webp', '--qualities', '80', '--provider', 'local-ai'];
  const [sweepNow, sweepBefore] = medians(mixed, 3, [[NEW, 'sweep', ...SWEEP], ...(OLD ? ([[OLD, 'sweep', ...SWEEP]] as [string, 'sweep', ...string[]][]) : [])]);
  row('sweep ×2,×3,×4 webp q80, local-ai thick, the mixed batch, median of 3 rounds', `now: ${sweepNow.toFixed(1)} s (the three models share the cores)`, sweepBefore ? `before the scheduler: ${sweepBefore.toFixed(1)} s` : BEFORE_MISSING, sweepBefore ? `×${(sweepBefore / sweepNow).toFixed(2)}` : '', '');

  // thick end to end on three photos (a whole local-ai run minus a bicubic run) against TF.js-wasm
  const ai = child('pipeline', three, join(work, 'three-ai'), String(workerPlan(cores, '').workers + 1), 'local-ai', 'thick');
  const bic = child('pipeline', three, join(work, 'three-bic'), String(workerPlan(cores, '').workers + 1), 'bicubic');
  if (before) spawnSync('git', ['worktree', 'remove', '--force', before], { cwd: ROOT });
  const outMp = ((512 * 512 + 600 * 400 + 451 * 300) / 1e6);
  const tfjs = child('model', 'thick', '4', 'fp32').tfjs_mps;
  const e2e = outMp / (ai.seconds - bic.seconds);
  row('thick end to end, 3 photos', `${e2e.toFixed(3)} MP/s out (local-ai run ${ai.seconds.toFixed(1)} s − bicubic run ${bic.seconds.toFixed(1)} s)`, `TF.js-wasm ${tfjs.toFixed(3)} MP/s`, `×${(e2e / tfjs).toFixed(1)}`, 'goal ≥ 5×');
}

if (only.includes('models')) {
  // GFLOP per output megapixel at x4 (issue #4's figures, thick's checked against a profile) and the
  // fp32 3×3-convolution ceiling measured now, on this machine.
  const gflop: Record<string, number> = { slim: 31.5, medium: 88, thick: 907 };
  const PEAK = Math.round(child('conv-probe').gflops);
  row('fp32 ceiling', '8 chained 3×3 convs 64→64 at 192², 2 threads', `${PEAK} GFLOP/s`, 'issue #4 quotes ≈ 180–200', 'the peak the shares below refer to');
  for (const [model, precision] of [['slim', 'fp32'], ['medium', 'fp32'], ['thick', 'fp32'], ['thick', 'int8']]) {
    const r = child('model', model, '4', precision);
    const onnxShare = ((r.onnx_mps * gflop[model]) / PEAK) * 100;
    const label = `local-ai ${model} x4${precision === 'int8' ? ' int8' : ''}`;
    const share = precision === 'int8' ? `${onnxShare.toFixed(0)}% of the fp32 ceiling's work rate (u8×s8 kernels)` : `${onnxShare.toFixed(0)}% of ${PEAK} GFLOP/s`;
    row(label, `ONNX tiled ${r.onnx_mps.toFixed(3)} MP/s out`, `TF.js-wasm ${r.tfjs_mps.toFixed(3)} MP/s out`, `×${(r.onnx_mps / r.tfjs_mps).toFixed(1)}`, share);
  }
  importedRows(PEAK);
}

if (only.includes('imported') && !only.includes('models')) importedRows(Math.round(child('conv-probe').gflops));

/** Imported models (random weights in the published layouts, through `models add`'s converter): MP/s out and the share of the ceiling. */
function importedRows(peak: number) {
  const cases = [
    ['rrdbnet', 'imported RRDBNet x4 (23 blocks, 64 features: Real-ESRGAN x4plus size), default seamless overlap'],
    ['rrdbnet', 'imported RRDBNet x4 (23 blocks), 10 px overlap as thick', '10'],
    ['compact', 'imported Compact x4 (64 features, 16 convs)'],
  ] as const;
  for (const [kind, label, overlap] of cases) {
    const r = overlap ? child('imported', kind, overlap) : child('imported', kind);
    const gflop = kind === 'rrdbnet' ? rrdbGflopPerOutputMp(23) : compactGflopPerOutputMp(16);
    const share = ((r.onnx_mps * gflop) / peak) * 100;
    row(label, `ONNX tiled ${r.onnx_mps.toFixed(3)} MP/s out`, `${(r.params / 1e6).toFixed(2)} M params, ${gflop.toFixed(0)} GFLOP per output MP`, `${share.toFixed(0)}% of ${peak} GFLOP/s`);
    if (kind === 'rrdbnet' && !overlap) torchRow(r);
  }
}

if (only.includes('int8')) {
  // issue 20: int8 builds of real imported models (the test cache's ESRGAN and Compact), made as `models add
  // --int8` makes them; then each build end to end through the provider, alternately, best of three.
  for (const [file, name, label, size] of [
    ['4x-NMKD-YandereNeo-Superlite.pth', 'yandere', 'imported ESRGAN x4 (YandereNeo Superlite, 2 blocks), 300×200 in'],
    ['2x-AniScale.pth', 'aniscale', 'imported Compact x2 (AniScale, 16 convs, PReLU), 600×400 in'],
    ['synthetic:rrdbnet', 'rrdbnet', 'imported RRDBNet x4 (23 blocks, random weights: speed only, kept with --force), 150×100 in', '150x100'],
  ]) {
    const r = child('int8-imported', file, name, ...(size ? [size] : []));
    row(
      `${label}: int8 vs fp32`,
      `fp32 ${r.fp32_mps.toFixed(3)} MP/s out, int8 ${r.int8_mps.toFixed(3)} MP/s out (×${(r.int8_mps / r.fp32_mps).toFixed(2)})`,
      `×${r.speedup_at_quantize} measured while quantizing (${r.quantize_s.toFixed(0)} s, ${r.weight_bits}-bit weights)`,
      `cost against the originals vs fp32: PSNR ${r.cost_psnr_mean.toFixed(2)} dB (worst ${r.cost_psnr_worst.toFixed(2)}), SSIMULACRA2 ${r.cost_ssimulacra2_mean.toFixed(1)}`,
      `int8 output ${r.vs_fp32_psnr_mean.toFixed(1)} dB PSNR from fp32's`,
    );
  }
}

/**
 * The same RRDBNet-23 in Debian's PyTorch (python3-torch), whole image at once on the same cores, as
 * chaiNNer's CPU path runs it (scripts/reference/bench-torch-rrdb.py): issue 20's goal is ≤ 0.35× its time.
 * Twice: with as many threads as our sessions use, and with torch's own default (one thread on these 2-core
 * VMs, where torch counts one core). CPU seconds beside wall seconds: on a shared machine they are fairer.
 */
function torchRow(ours: Record<string, number>) {
  const { width: w, height: h } = ours;
  const threads = workerPlan().workers * workerPlan().threadsEach;
  const torch = (n?: number) => {
    const py = existsSync('/usr/bin/python3') ? spawnSync('/usr/bin/python3', [join(ROOT, 'scripts', 'reference', 'bench-torch-rrdb.py'), String(w), String(h), String(n ?? 0)], { encoding: 'utf8' }) : undefined;
    return py?.status === 0 ? (JSON.parse(py.stdout.trim().split('\n').pop()!) as { seconds: number; cpu_seconds: number; torch: string; threads: number }) : undefined;
  };
  const label = `RRDBNet-23 x4 ${w}×${h} → ${w * 4}×${h * 4}, end to end at the defaults`;
  const same = torch(threads);
  if (!same) {
    row(label, `ours ${ours.seconds.toFixed(1)} s`, 'PyTorch: not measured (needs /usr/bin/python3 with python3-torch)', '', '');
    return;
  }
  const own = torch();
  const ratio = (t: { seconds: number; cpu_seconds: number }) => `**${(ours.seconds / t.seconds).toFixed(2)}×** (CPU ${(ours.cpu_s / t.cpu_seconds).toFixed(2)}×)`;
  row(
    label,
    `ours ${ours.seconds.toFixed(1)} s (${ours.cpu_s.toFixed(1)} CPU s)`,
    `PyTorch ${same.torch} whole-image forward: ${threads} threads ${same.seconds.toFixed(1)} s (${same.cpu_seconds.toFixed(1)} CPU s)` +
      (own && own.threads !== threads ? `; its default ${own.threads} thread${own.threads > 1 ? 's' : ''} ${own.seconds.toFixed(1)} s` : ''),
    `${ratio(same)} its time` + (own && own.threads !== threads ? `; ${ratio(own)} at its default` : ''),
    'goal ≤ 0.35×',
  );
}

if (only.includes('adaptive')) {
  // issue 22: the adaptive search against the full grid on the README photos, same qualities (10–95 in 5s)
  const ladder = Array.from({ length: 18 }, (_, i) => 10 + 5 * i).join(',');
  const common = [PHOTOS, '--provider', 'bicubic,lanczos', '--factors', '1,2,4', '--formats', 'webp,jpeg', '--target-ssim', '0.9'];
  const sweep = (out: string, ...args: string[]) => {
    const t = performance.now();
    execFileSync(process.execPath, [join(ROOT, 'bin', 'upscale-bench.js'), 'sweep', ...common, '--out', join(work, out), ...args], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    const policy = readFileSync(join(work, out, 'policy.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 6).join(','));
    return { seconds: (performance.now() - t) / 1000, policy, summary: JSON.parse(readFileSync(join(work, out, 'summary.json'), 'utf8')) };
  };
  const grid = sweep('adaptive-grid', '--qualities', ladder);
  const adaptive = sweep('adaptive-search', '--adaptive', '--qualities', '10,95', '--quality-step', '5');
  const same = grid.policy.filter((l, i) => l === adaptive.policy[i]).length;
  grid.policy.forEach((l, i) => l !== adaptive.policy[i] && console.error(`  differs: grid ${l}\n           adaptive ${adaptive.policy[i]}`));
  const a = adaptive.summary.adaptive_search;
  row('sweep --adaptive, 7 README photos, factors 1,2,4 × webp,jpeg × q10–95 step 5, bicubic+lanczos, SSIM ≥ 0.9', `full grid: ${a.copies_in_grid} stored copies, ${grid.seconds.toFixed(1)} s`, `adaptive: ${a.copies_made} copies (${a.saved_percent}% fewer), ${adaptive.seconds.toFixed(1)} s`, `same per-image setting for ${same} of ${grid.policy.length} images`, `policy ${grid.summary.adaptive_policy.saved_percent_vs_single}% below the best single setting`);
}

if (only.includes('sagemaker')) {
  // Requests in flight against the loopback stand-in with a fixed model time per request: the batch's
  // images/s should grow with the requests in flight until the endpoint, not the client, is the limit.
  const { SageMakerStandin } = await import('../test/servers/sagemaker-standin.js');
  const { SageMakerJumpStartProvider } = await import('../main/core/providers/sagemaker-jumpstart.js');
  const { RequestSlots } = await import('../main/core/providers/sagemaker/request-slots.js');
  const DELAY_MS = 400;
  const N = 24;
  const standin = new SageMakerStandin({ endpoints: ['upscaler'], delayMs: DELAY_MS });
  const url = await standin.start();
  const src = sharp(join(PHOTOS, 'astronaut.png')).removeAlpha();
  const images = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const bytes = await src.clone().extract({ left: (i * 37) % 400, top: (i * 53) % 440, width: 64, height: 48 }).jpeg({ quality: 90 }).toBuffer();
      return { bytes, format: 'jpeg' as const, width: 64, height: 48, target: { width: 256, height: 192 } };
    }),
  );
  const rate: Record<number, number> = {};
  for (const c of [1, 4, 8]) {
    const p = new SageMakerJumpStartProvider({ endpointName: 'upscaler', region: 'us-east-1', url, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' }, slots: new RequestSlots(c) });
    const t0 = performance.now();
    await Promise.all(images.map((img) => p.upscale(img)));
    rate[c] = N / ((performance.now() - t0) / 1000);
    await p.dispose();
  }
  await standin.stop();
  row('sagemaker requests in flight', `${N} images 64×48 → 256×192, stand-in ${DELAY_MS} ms a request`, `in flight 1: ${rate[1].toFixed(2)} img/s; 4: ${rate[4].toFixed(2)}; 8: ${rate[8].toFixed(2)}`, `ideal at 1: ${(1000 / DELAY_MS).toFixed(2)} img/s`, `8 vs 1: ×${(rate[8] / rate[1]).toFixed(2)} (goal ≥ 6)`);
}

if (only.includes('bootstrap')) {
  // issue 18: every interval, comparison and the stopping rule of a 1,000-image sweep of 18 settings (synthetic rows)
  const rand = mulberry32(18);
  const rowsIn: ResultRow[] = [];
  for (let i = 0; i < 1000; i++) {
    const hard = rand() * 0.1; // some images are harder for every setting
    for (const factor of [1, 2, 4]) for (const format of ['webp', 'jpeg', 'avif']) for (const quality of [50, 80]) {
      const bytes = Math.round(((4e5 * quality) / 100 / factor ** 2) * (0.5 + rand()));
      for (const provider of factor === 1 ? ['none'] : ['bicubic', 'lanczos', 'local-ai']) {
        const ssim = 0.99 - hard - 0.03 * Math.log2(factor) - (100 - quality) / 2000 + (provider === 'local-ai' ? 0.01 : provider === 'lanczos' ? 0.002 : 0) + 0.01 * rand();
        rowsIn.push({ ...emptyRow(`img${i}.png`, provider, provider), status: 'ok', factor, format, quality, original_bytes: 1e6, stored_bytes: bytes, saved_percent: 100 - bytes / 1e4, ssim, psnr: 30 + 20 * (ssim - 0.8), orb_score: ssim - 0.1, upscale_ms: 10 * factor });
      }
    }
  }
  const answer = { providers: summariseProviders(rowsIn), ...storageAnswer(rowsIn, { metric: 'ssim', value: 0.9 }, true) };
  const cpu = process.cpuUsage();
  const t = performance.now();
  const { comparisons } = addConfidence(answer, rowsIn, { label: 'SSIM', score: (r) => r.ssim, higherIsBetter: true }, 0.9, describeSetting);
  const wall = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const intervals = JSON.stringify(answer).split('"method"').length - 1;
  row('bootstrap (issue 18)', `1,000 images × 18 settings (${rowsIn.length.toLocaleString('en')} rows), 2,000 resamples`, `${wall.toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU`, 'goal: under 2 s', `${intervals} intervals, ${comparisons.length} comparisons, stopping rule`);
}

if (only.includes('groups')) {
  // issue 18: the per-group answers (`--group-by`) of a 1,000-image sweep of 18 settings beside the overall one, from synthetic rows
  const rand = mulberry32(18);
  const rowsIn: ResultRow[] = [];
  for (let i = 0; i < 1000; i++) {
    const hard = rand() * 10;
    for (const factor of [1, 2, 4]) for (const format of ['webp', 'jpeg', 'avif']) for (const quality of [50, 80]) {
      const bytes = Math.round(((4e5 * quality) / 100 / factor ** 2) * (0.5 + rand()));
      for (const provider of factor === 1 ? ['none'] : ['bicubic', 'lanczos', 'local-ai']) {
        const ssimulacra2 = 90 - hard - 12 * Math.log2(factor) - (100 - quality) / 4 + (provider === 'local-ai' ? 2 : 0) + 5 * rand();
        rowsIn.push({ ...emptyRow(`img${i}.png`, provider, provider), stored_key: `f${factor}-${format}-q${quality}/img${i}.png`, status: 'ok', factor, format, quality, original_bytes: 1e6, stored_bytes: bytes, saved_percent: 100 - bytes / 1e4, ssimulacra2, ssim: 0.9, psnr: 30, orb_score: 0.9, upscale_ms: 10 * factor, upscale_threads: 1 });
      }
    }
  }
  const scope = { target: { metric: 'ssimulacra2' as const, value: 70 }, sweep: true, storage: true, adaptive: false };
  const timed = (f: () => unknown) => {
    const t = performance.now();
    f();
    return ((performance.now() - t) / 1000).toFixed(2);
  };
  const overall = timed(() => answerOf(rowsIn, rowsIn, scope));
  const inGroups = (n: number) => {
    const grouped = rowsIn.map((r) => ({ ...r, group: `g${Number(r.image_path.slice(3, -4)) % n}` }));
    return timed(() => groupAnswers(grouped, grouped, scope));
  };
  row('groups (issue 18)', `1,000 images × 18 settings (${rowsIn.length.toLocaleString('en')} rows), full answer with intervals and policy`, `overall ${overall} s`, `3 groups ${inGroups(3)} s, 30 groups ${inGroups(30)} s`, 'linear in the rows');
}

if (only.includes('soak')) {
  const dir = join(work, 'soak');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const src = sharp(join(PHOTOS, 'astronaut.png'));
  for (let i = 0; i < 1000; i++) {
    const left = (i * 37) % 400;
    const top = (i * 53) % 440;
    await src.clone().extract({ left, top, width: 96, height: 64 }).png().toFile(join(dir, `s${String(i).padStart(4, '0')}.png`));
  }
  const soak = child('soak', dir, join(work, 'soak-out'));
  row('soak', '1,000 images 96×64, bicubic, concurrency 2', `${soak.images_per_s.toFixed(1)} img/s, ${soak.errors} errors`, `RSS ${soak.rss_warm_mb.toFixed(0)} MB after 100 → ${soak.rss_end_mb.toFixed(0)} MB at the end`, `growth ${(soak.growth * 100).toFixed(1)}%`);
}

if (only.includes('s3-list')) {
  // issue 18: an s3:// prefix listed page by page and sampled with --sample's reservoir, on s3rver. Its objects are
  // written straight into s3rver's folder (`<bucket>/<key>._S3rver_object` and its .md5), which is all s3rver reads
  // when it lists: a hundred thousand PutObjects would take far longer and measure s3rver, not the listing.
  const { S3Standin } = await import('../test/servers/s3-standin.js');
  const { mkdir } = await import('node:fs/promises');
  const s3 = new S3Standin(['corpus']);
  const url = await s3.start();
  try {
    for (const count of [10_000, 100_000]) {
      const prefix = `p${count / 1000}k`;
      for (let f = 0; f < count / 1000; f++) {
        const dir = join(s3.directory!, 'corpus', prefix, `f${String(f).padStart(3, '0')}`);
        await mkdir(dir, { recursive: true });
        // half images by extension, half not
        await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
          const name = `o${String(i).padStart(4, '0')}.${i % 2 ? 'png' : 'txt'}._S3rver_object`;
          await writeFile(join(dir, name), 'x');
          await writeFile(join(dir, `${name}.md5`), '9dd4e461268c8034f5c8564e155c67a6');
        }));
      }
      for (const n of [1000, 0]) {
        // not execFileSync: s3rver answers from this process, whose event loop must keep running
        const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'scripts', 'bench-child.ts'), 's3-list', url, `s3://corpus/${prefix}`, String(n)], {
          cwd: ROOT,
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        });
        const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
        row(
          's3-list',
          `${count.toLocaleString('en-US')} objects (${r.images.toLocaleString('en-US')} images), ${n ? `--sample ${n}` : 'no sample (every image kept)'}`,
          `live heap at most ${r.live_heap_peak_mb.toFixed(1)} MB (peak RSS ${r.rss_mb.toFixed(0)} MB), ${r.kept.toLocaleString('en-US')} kept, ${r.seconds.toFixed(1)} s`,
          `${r.pages} progress updates (one per 1,000-key page), longest gap ${r.longest_gap_s.toFixed(2)} s`,
          's3rver on loopback',
        );
      }
    }
  } finally {
    await s3.destroy();
  }
}

/**
 * The code just before issue 11's scheduler, checked out from git beside this one and compiled, sharing
 * this checkout's node_modules and models; undefined where there is no git history (a tarball).
 */
async function checkoutBefore(scratch: string): Promise<string | undefined> {
  const dir = join(scratch, 'before-scheduler');
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  if (git('cat-file', '-e', `${BEFORE_SCHEDULER}^{commit}`).status !== 0) return undefined;
  if (git('worktree', 'add', '--detach', dir, BEFORE_SCHEDULER).status !== 0) return undefined;
  const { symlink } = await import('node:fs/promises');
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  await symlink(join(ROOT, 'models'), join(dir, 'models'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

await rm(work, { recursive: true, force: true });
console.log('\n| case | what | result | compared with | note |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${[...r, '', '', '', '', ''].slice(0, 5).join(' | ')} |`);
