/** One benchmark case in its own process, so `maxRSS` is this case's peak. Prints one JSON line. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { decodeImage } from '../main/core/image/read.js';
import { toGrey } from '../main/core/metrics/grey.js';
import { orbSimilarity } from '../main/core/metrics/orb.js';
import { psnr } from '../main/core/metrics/psnr.js';
import { ssim } from '../main/core/metrics/ssim.js';
import { ssimulacra2 } from '../main/core/metrics/ssimulacra2.js';
import { runBatch } from '../main/core/pipeline/run-batch.js';
import { parseMetrics } from '../main/core/metrics/metric-names.js';
import { defaultSettings, type ProviderSpec } from '../main/core/pipeline/settings.js';
import { toRaw } from '../main/core/image/raw.js';
import { packageDir, tfjsModelJson } from '../main/core/models/model-files.js';
import { LOCAL_MODELS, type LocalModelName } from '../main/core/models/catalog.js';
import { createLocalAiProvider } from '../main/core/providers/local-ai.js';

const [mode, ...args] = process.argv.slice(2);
const rssMb = () => process.resourceUsage().maxRSS / 1024;
const now = () => performance.now();
let result: Record<string, number>;
/** The pair named by the first two arguments. */
const decodedPair = () => Promise.all(args.slice(0, 2).map(async (p) => (await decodeImage(readFileSync(p), 1e9)).raw));

if (mode === 'score') {
  const [a, b] = await decodedPair();
  const reps = Number(args[2]);
  const ga = toGrey(a);
  const gb = toGrey(b);
  orbSimilarity(ga, gb, a.width, a.height); // warm the wasm module
  let orbT = 0, ssimT = 0, psnrT = 0, total = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    const g1 = toGrey(a), g2 = toGrey(b);
    const t1 = now();
    orbSimilarity(g1, g2, a.width, a.height);
    const t2 = now();
    ssim(g1, g2, a.width, a.height);
    const t3 = now();
    psnr(a, b);
    const t4 = now();
    orbT += t2 - t1; ssimT += t3 - t2; psnrT += t4 - t3; total += t4 - t0;
  }
  result = { pairs_per_s: (reps * 1000) / total, orb_ms: orbT / reps, ssim_ms: ssimT / reps, psnr_ms: psnrT / reps, rss_mb: rssMb() };
} else if (mode === 'butteraugli') {
  const { butteraugli } = await import('../main/core/metrics/butteraugli/index.js');
  const [a, b] = await decodedPair();
  const reps = Number(args[2]);
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  const t = now();
  let distance = 0;
  for (let i = 0; i < reps; i++) distance = butteraugli(a, b).distance;
  const sec = (now() - t) / 1000 / reps;
  result = { mps: (a.width * a.height) / 1e6 / sec, seconds: sec, distance, rss_mb: rssMb(), rss_before_mb: rssBefore };
} else if (mode === 'ssimulacra2') {
  const [a, b] = await decodedPair();
  const reps = Number(args[2]);
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  let wall = 0, cpu = 0, score = 0;
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = now();
    score = ssimulacra2(a, b)!;
    wall += now() - t0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
  }
  result = { score, ms: wall / reps, cpu_ms: cpu / reps, mp: (a.width * a.height) / 1e6, rss_before_mb: rssBefore, rss_mb: rssMb() };
} else if (mode === 'pipeline') {
  const [input, out, conc, provider, model, precision, overlap] = args;
  const tileOverlap = overlap ? Number(overlap) : undefined;
  const spec: ProviderSpec = provider === 'local-ai' ? { name: 'local-ai', model, precision: precision === 'int8' ? 'int8' : 'fp32', tileOverlap } : { name: provider as 'bicubic' };
  let upscaleMs = 0;
  const t0 = now();
  // peak RSS while each stage runs (sampled), to tell inference's share from scoring's
  const stageRss: Record<string, number> = {};
  let stage = 'start';
  const sample = setInterval(() => (stageRss[stage] = Math.max(stageRss[stage] ?? 0, process.memoryUsage().rss / 2 ** 20)), 50);
  // BENCH_METRICS: the scores to compute (comma-separated), else the defaults
  const metrics = process.env.BENCH_METRICS ? parseMetrics(process.env.BENCH_METRICS) : undefined;
  const s = await runBatch({ ...defaultSettings(input), out, concurrency: Number(conc), providers: [spec], ...(metrics ? { metrics } : {}) }, {
    onEvent: (e) => {
      if (e.type === 'row') upscaleMs += e.row.upscale_ms ?? 0;
      if (e.type === 'stage') stage = e.stage;
    },
  });
  clearInterval(sample);
  const sec = (now() - t0) / 1000;
  if (s.counts.errors) throw new Error(`benchmark run had ${s.counts.errors} error rows`);
  result = { images_per_s: s.counts.inputs / sec, seconds: sec, upscale_s: upscaleMs / 1000, rss_mb: rssMb(), rss_upscale_mb: stageRss.upscale ?? 0, rss_score_mb: stageRss.score ?? 0 };
} else if (mode === 'model') {
  const model = args[0] as LocalModelName;
  const scale = Number(args[1]);
  const precision = args[2] === 'int8' ? 'int8' : 'fp32';
  const side = model === 'thick' ? 64 : 128;
  const img = await toRaw(sharp(new URL('../test/fixtures/photos/coffee.png', import.meta.url).pathname).resize(side * 2, side * 2).extract({ left: side / 2, top: side / 2, width: side, height: side }).removeAlpha());
  // End to end through the provider: PNG in, worker-thread inference, default tiles, 2 threads.
  const bigPng = await sharp(new URL('../test/fixtures/photos/coffee.png', import.meta.url).pathname).resize(600, 400).png().toBuffer();
  const provider = await createLocalAiProvider({ name: 'local-ai', model, precision }, { factor: scale });
  const call = () => provider.upscale({ bytes: bigPng, format: 'png', width: 600, height: 400, target: { width: 600 * scale, height: 400 * scale } });
  await provider.upscale({ bytes: await sharp(img.data, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer(), format: 'png', width: side, height: side, target: { width: side * scale, height: side * scale } });
  let t = now();
  const out = (await call()).image;
  const onnxMps = (out.width * out.height) / 1e6 / ((now() - t) / 1000);
  await provider.dispose();
  const { loadTfjsModel, tfjsUpscale } = await import('../test/helpers/tfjs-reference.js');
  const require = createRequire(import.meta.url);
  const tfModel = await loadTfjsModel(tfjsModelJson(packageDir(LOCAL_MODELS[model].package, require), scale));
  tfjsUpscale(tfModel, img, model === 'thick');
  t = now();
  const ref = tfjsUpscale(tfModel, img, model === 'thick');
  const tfjsMps = (ref.width * ref.height) / 1e6 / ((now() - t) / 1000);
  result = { onnx_mps: onnxMps, tfjs_mps: tfjsMps, rss_mb: rssMb() };
} else if (mode === 'imported') {
  // An imported model end to end through the provider (inference scheduler, default tiles): random
  // weights in a published layout, converted by the same importer `models add` uses.
  const kind = args[0] as 'rrdbnet' | 'compact';
  // no overlap argument: the model's own default (seamless, see tile-overlap.ts); a number: that overlap
  const tileOverlap = args[1] === undefined ? undefined : Number(args[1]);
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { syntheticCompact, syntheticRrdbNet } = await import('./synthetic-models.js');
  const { convertStateDict } = await import('../main/core/models/import/convert-state-dict.js');
  const { ModelLibrary } = await import('../main/core/models/library.js');
  process.env.UPSCALE_BENCH_MODELS = await mkdtemp(join(tmpdir(), 'bench-lib-'));
  const { descriptor, onnx } = convertStateDict(kind === 'rrdbnet' ? syntheticRrdbNet({ blocks: 23 }) : syntheticCompact({ convs: 16 }), 'safetensors');
  await new ModelLibrary().add(kind, { ...descriptor, sha256: '0'.repeat(64), sourceFile: `${kind}.safetensors`, sourceBytes: 0 }, onnx);
  const provider = await createLocalAiProvider({ name: 'local-ai', model: kind, tileOverlap }, { factor: 4 });
  const [w, h] = kind === 'rrdbnet' ? [300, 200] : [600, 400];
  const png = (pw: number, ph: number) => sharp(new URL('../test/fixtures/photos/coffee.png', import.meta.url).pathname).resize(pw, ph).png().toBuffer();
  const call = async (pw: number, ph: number) => provider.upscale({ bytes: await png(pw, ph), format: 'png', width: pw, height: ph, target: { width: pw * 4, height: ph * 4 } });
  await call(64, 64);
  const bytes = await png(w, h);
  const t = now();
  const cpu0 = process.cpuUsage(); // every thread of the process: the workers' onnxruntime threads too
  const out = (await provider.upscale({ bytes, format: 'png', width: w, height: h, target: { width: w * 4, height: h * 4 } })).image;
  const cpu = process.cpuUsage(cpu0);
  const seconds = (now() - t) / 1000;
  const mps = (out.width * out.height) / 1e6 / seconds;
  await provider.dispose?.();
  result = { onnx_mps: mps, seconds, cpu_s: (cpu.user + cpu.system) / 1e6, width: w, height: h, params: descriptor.params, rss_mb: rssMb() };
} else if (mode === 'int8-imported') {
  // A real imported model (from the test cache) given an int8 build as `models add --int8` makes it, then
  // both builds end to end through the provider on the same photo, alternately, best of three each.
  // 'synthetic:rrdbnet' is the x4plus-sized RRDBNet of random weights the `imported` case uses: its speed
  // is real, its fidelity means nothing, so its build is kept with force.
  const [file, name, size] = args;
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { addModelFile } = await import('../main/core/models/import/import-model.js');
  const { convertStateDict } = await import('../main/core/models/import/convert-state-dict.js');
  const { ModelLibrary } = await import('../main/core/models/library.js');
  const { quantizeModel } = await import('../main/core/models/int8/make-int8.js');
  const { testModelPath } = await import('./fetch-test-models.js');
  const { syntheticRrdbNet } = await import('./synthetic-models.js');
  process.env.UPSCALE_BENCH_MODELS = await mkdtemp(join(tmpdir(), 'bench-lib-'));
  const synthetic = file === 'synthetic:rrdbnet';
  const entry = synthetic
    ? await (async () => {
        const { descriptor, onnx } = convertStateDict(syntheticRrdbNet({ blocks: 23 }), 'safetensors');
        return new ModelLibrary().add(name, { ...descriptor, sha256: '0'.repeat(64), sourceFile: 'rrdbnet.safetensors', sourceBytes: 0 }, onnx);
      })()
    : (await addModelFile(testModelPath(file), { name })).entry;
  const t0 = now();
  const q = (await quantizeModel(entry.name, { force: synthetic })).entry.int8!.quality;
  const quantizeS = (now() - t0) / 1000;
  const scale = entry.scale;
  const [w, h] = size ? size.split('x').map(Number) : scale === 4 ? [300, 200] : [600, 400];
  const bytes = await sharp(new URL('../test/fixtures/photos/coffee.png', import.meta.url).pathname).resize(w, h).png().toBuffer();
  const providers = { fp32: await createLocalAiProvider({ name: 'local-ai', model: name }, { factor: scale }), int8: await createLocalAiProvider({ name: 'local-ai', model: name, precision: 'int8' }, { factor: scale }) };
  const call = (p: 'fp32' | 'int8') => providers[p].upscale({ bytes, format: 'png', width: w, height: h, target: { width: w * scale, height: h * scale } });
  await call('fp32');
  await call('int8');
  const best = { fp32: Infinity, int8: Infinity };
  for (let r = 0; r < 3; r++) {
    for (const p of r % 2 ? (['int8', 'fp32'] as const) : (['fp32', 'int8'] as const)) {
      const t = now();
      await call(p);
      best[p] = Math.min(best[p], now() - t);
    }
  }
  await Promise.all(Object.values(providers).map((p) => p.dispose?.()));
  const outMp = (w * h * scale * scale) / 1e6;
  result = {
    fp32_mps: outMp / (best.fp32 / 1000),
    int8_mps: outMp / (best.int8 / 1000),
    quantize_s: quantizeS,
    speedup_at_quantize: q.speed.speedup,
    cost_psnr_mean: q.cost.psnr.mean,
    cost_psnr_worst: q.cost.psnr.worst,
    cost_ssimulacra2_mean: q.cost.ssimulacra2?.mean ?? NaN,
    vs_fp32_psnr_mean: q.vsFp32.psnr.mean,
    weight_bits: q.weightBits,
    scale,
  };
} else if (mode === 'workers') {
  // Output MP/s of W sessions × T threads each, all busy on thick's kind of tile (256 px + 10 px
  // overlap on each side: 276² in) through the inference scheduler: the measurement behind worker-plan.ts.
  const [workers, threadsEach, model = 'thick', precision = 'fp32', reps = '2'] = args;
  const { InferenceScheduler } = await import('../main/core/inference/inference-scheduler.js');
  const { planarWindow } = await import('../main/core/inference/onnx-runner.js');
  const { onnxModelPath } = await import('../main/core/models/model-files.js');
  const side = 276;
  const img = await toRaw(sharp(new URL('../test/fixtures/photos/astronaut.png', import.meta.url).pathname).resize(side, side).removeAlpha());
  const w = Number(workers);
  const sched = new InferenceScheduler(onnxModelPath(model as LocalModelName, 4, precision as 'fp32' | 'int8'), { workers: w, threadsEach: Number(threadsEach) });
  const batch = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => sched.forImage()(planarWindow(img), [1, 3, side, side]).then((r) => r.dims[2] * r.dims[3] + i * 0)));
  await batch(w); // opens every session and sizes its arena for this tile
  const n = w * Number(reps);
  const t = now();
  const pixels = (await batch(n)).reduce((a, b) => a + b, 0);
  const sec = (now() - t) / 1000;
  await sched.close();
  result = { mps: pixels / 1e6 / sec, seconds: sec, tiles: n, rss_mb: rssMb() };
} else if (mode === 'conv-probe') {
  // The fp32 ceiling for thick's kind of work: eight chained 3×3 convolutions, 64→64 channels, 192² input.
  const ort = await import('onnxruntime-node');
  const { default: onnxProto } = await import('onnx-proto');
  const { onnx } = onnxProto;
  const [c, side, n] = [64, 192, 8];
  const inits = [];
  const nodes = [];
  for (let i = 0; i < n; i++) {
    const w = Float32Array.from({ length: c * c * 9 }, (_, k) => Math.sin(k * 12.9898 + i) * 0.05);
    inits.push({ name: `W${i}`, dims: [c, c, 3, 3], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(w.buffer) });
    nodes.push({ opType: 'Conv', input: [i ? `y${i - 1}` : 'x', `W${i}`], output: [`y${i}`], attribute: [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] });
  }
  const type = { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [1, c, side, side].map((d) => ({ dimValue: d })) } } };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'probe', node: nodes, initializer: inits, input: [{ name: 'x', type }], output: [{ name: `y${n - 1}`, type }] } })).finish();
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, graphOptimizationLevel: 'all' });
  const x = new ort.Tensor('float32', Float32Array.from({ length: c * side * side }, (_, k) => (k % 255) / 255), [1, c, side, side]);
  await session.run({ x });
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = now();
    await session.run({ x });
    best = Math.min(best, now() - t);
  }
  result = { gflops: (2 * 9 * c * c * side * side * n) / 1e9 / (best / 1000) };
} else if (mode === 'soak') {
  // 1,000 small images; RSS after the first 100 (everything warmed up) against RSS at the end.
  const [input, out] = args;
  let warm = 0;
  const t0 = now();
  const s = await runBatch({ ...defaultSettings(input), out, concurrency: 2, providers: [{ name: 'bicubic' }] }, {
    onEvent: (e) => {
      if (e.type === 'image-done' && e.done === 100) warm = process.memoryUsage().rss;
    },
  });
  const end = process.memoryUsage().rss;
  result = { images_per_s: s.counts.inputs / ((now() - t0) / 1000), errors: s.counts.errors, rss_warm_mb: warm / 2 ** 20, rss_end_mb: end / 2 ** 20, growth: end / warm - 1 };
} else if (mode === 's3-list') {
  // an s3:// prefix listed (and sampled when N > 0) as a run lists it; RSS sampled at every page's progress
  const { listS3Images } = await import('../main/core/inputs/s3-prefix.js');
  const [endpoint, uri, n] = args;
  let pages = 0;
  let gap = 0;
  let last = now();
  let rssPeak = 0;
  let livePeak = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = now();
  const { items, listing } = await listS3Images(uri, { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }, {
    ...(Number(n) ? { sample: { n: Number(n), seed: 7 } } : {}),
    onProgress: () => {
      pages++;
      gap = Math.max(gap, now() - last);
      last = now();
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      // what the listing holds, garbage collected away (RSS mostly shows the SDK and the GC's slack)
      gc?.();
      livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
    },
  });
  result = { objects: listing.objects, images: listing.images, kept: items.length, pages, longest_gap_s: gap / 1000, seconds: (now() - t0) / 1000, rss_mb: rssMb(), rss_pages_peak_mb: rssPeak / 2 ** 20, live_heap_peak_mb: livePeak / 2 ** 20 };
} else throw new Error(`unknown mode ${mode}`);

console.log(JSON.stringify(result));
process.exit(0);
