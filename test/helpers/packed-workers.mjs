// Runs the packed app's workers in plain Node, the way the installed app's main process starts them: through
// the packed startWorker, from modules whose URLs are inside app.asar. Plain Node cannot read inside the
// archive at all, so a worker answers here only if it and everything it loads are unpacked.
// Usage: node packed-workers.mjs RESOURCES REQUEST.json — prints the answers as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [resources, requestFile] = process.argv.slice(2);
const req = JSON.parse(readFileSync(requestFile, 'utf8'));
const { startWorker, workerUrl } = await import(pathToFileURL(join(resources, 'app.asar.unpacked', 'dist/main/core/workers/start-worker.js')).href);
// the module that starts each worker, where the main process loads it from
const caller = (rel) => pathToFileURL(join(resources, 'app.asar', 'dist/main/core', rel)).href;

/** The first message that `done` accepts; a failed load is an 'error' event. */
const reply = (worker, message, done) =>
  new Promise((resolve, reject) => {
    worker.on('message', (m) => done(m) && resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) without an answer`)));
    if (message) worker.postMessage(message);
  });
const out = {};

try {
  // model import (its probe runs in a second worker, started from the first)
  const importer = startWorker(caller('models/import/import-model.js'), 'import-worker', { workerData: { path: req.onnxFile } });
  const imported = await reply(importer, null, (m) => m.result || m.error);
  out.import = { url: workerUrl(caller('models/import/import-model.js'), 'import-worker').href, error: imported.error, descriptor: imported.result?.descriptor };
  writeFileSync(req.onnxOut, imported.result.onnx);

  // inference on the imported graph
  const runner = startWorker(caller('inference/inference-worker.js'), 'onnx-worker');
  const opened = await reply(runner, { type: 'open', graphs: { imported: req.onnxOut }, threads: 1 }, (m) => m.type === 'opened' || m.type === 'error');
  const ran = await reply(runner, { type: 'run', id: 1, stage: 'imported', data: Float32Array.from(req.tile.data), dims: req.tile.dims }, (m) => m.type === 'result' || m.type === 'error');
  out.run = { opened: opened.type, error: ran.message, dims: ran.dims, data: ran.data && [...ran.data] };
  // a built-in model, where modelsDir() points in the installed app
  const builtin = await reply(runner, { type: 'open', graphs: { builtin: req.builtin }, threads: 1 }, (m) => m.type === 'opened' || m.type === 'error');
  const ranBuiltin = await reply(runner, { type: 'run', id: 2, stage: 'builtin', data: Float32Array.from(req.tile.data), dims: req.tile.dims }, (m) => m.type === 'result' || m.type === 'error');
  runner.postMessage({ type: 'close' });
  out.builtin = { opened: builtin.type, error: ranBuiltin.message, dims: ranBuiltin.dims };

  // an int8 build of the imported graph, calibrated and measured on the bundled photos beside the archive
  const int8 = startWorker(caller('models/int8/make-int8.js'), 'int8-worker', { workerData: { fp32Path: req.onnxOut, target: req.int8Target, force: true } });
  const built = await reply(int8, null, (m) => m.result || m.error);
  out.int8 = { error: built.error, photos: built.result?.int8.quality.photos, calibration: built.result?.int8.quality.calibration, bytes: built.result?.onnx.byteLength };

  // scores, ORB's wasm included
  const scorer = startWorker(caller('metrics/score-pool.js'), 'score-worker');
  const toRaw = (img) => ({ ...img, data: Uint8Array.from(img.data) });
  const scored = await reply(scorer, { type: 'score', metrics: req.metrics, a: toRaw(req.a), b: toRaw(req.b) }, (m) => m.scores || m.error);
  await scorer.terminate();
  out.scores = scored;
} catch (err) {
  out.fatal = String(err?.stack ?? err);
}
// workers left running after a failure must not keep this process alive
process.stdout.write(JSON.stringify(out), () => process.exit(0));
