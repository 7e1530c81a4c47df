import { randomUUID } from 'node:crypto';
import { writeFile, rename } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import type { AppSettings, Channel, ParsedRequest, Responses, VisibleSettings } from '../../preload/ipc-contract.js';
import { BenchError } from '../core/errors.js';
import { DEFAULT_MAX_PIXELS, decodeImage, readFileReadOnly } from '../core/image/read.js';
import { HEATMAP_SCALES, HEATMAP_STOPS, differenceHeatmap } from '../core/metrics/heatmap.js';
import { readImageSizes } from '../core/inputs/image-sizes.js';
import type { InputItem } from '../core/inputs/input-item.js';
import { makeCsv } from '../core/inputs/make-csv.js';
import { resolveInput } from '../core/inputs/resolve-input.js';
import { S3InputReader, listS3Images } from '../core/inputs/s3-prefix.js';
import { isS3Uri, parseS3Uri } from '../core/inputs/s3-uri.js';
import { csvHeader, csvLine } from '../core/results/csv-format.js';
import { S3Store } from '../core/stores/s3.js';
import { SageMakerJumpStartProvider } from '../core/providers/sagemaker-jumpstart.js';
import type { Host } from './host.js';
import { type RunSettings, recordedScoring, runTarget } from '../core/pipeline/settings.js';
import { addModelFile } from '../core/models/import/import-model.js';
import { Int8Refused } from '../core/models/int8/int8-support.js';
import { quantizeModel } from '../core/models/int8/make-int8.js';
import { ModelLibrary, nameFromFile } from '../core/models/library.js';
import { importedEntry, listModels } from '../core/models/model-list.js';
import type { ModelEntry } from '../core/models/model-entry.js';
import { closeAllInferenceWorkers } from '../core/inference/inference-worker.js';
import { Jobs, toSweepSettings } from './jobs.js';
import { inputSample, planRun } from '../core/pipeline/plan.js';
import type { SizeSample } from '../core/pipeline/estimate.js';
import { settingPoints } from '../core/results/pareto.js';
import { targetAt } from '../core/results/target.js';
import { settingsCsv } from '../core/results/settings-csv.js';
import { adaptivePolicy } from '../core/results/policy.js';
import { policyCsv } from '../core/results/policy-csv.js';
import { PathGrants } from './path-grants.js';
import { RunsRepo } from './runs-repo.js';
import { SettingsStore } from './settings-store.js';
import { type AwsAccess, credentialsFor, keyHint, listProfiles } from '../core/aws/credentials.js';

export type Handlers = { [C in Channel]: (req: ParsedRequest<C>) => Promise<Responses[C]> };

const VIEW_MAX_PIXELS = 16_000_000;

/** Every IPC handler, as plain async functions: main registers them with ipcMain, tests and the web bridge call them directly. */
export function createHandlers(host: Host): Handlers & { dispose(): Promise<void> } {
  const grants = new PathGrants();
  // The library runs use too: UPSCALE_BENCH_MODELS or <user data>/models, looked up on each call as the CLI does.
  const library = () => new ModelLibrary();
  /** An imported model's int8 build, made in a worker (the window stays responsive), with progress events. */
  const quantize = (name: string, force?: boolean) => {
    const id = randomUUID();
    return quantizeModel(name, { force, library: library(), inWorker: true, onProgress: (p) => host.emit({ jobId: id, type: 'model-int8', stage: p.stage, model: name }) });
  };
  const settings = new SettingsStore(host.userDataDir);
  const resultsRoot = async () => (await settings.get()).resultsRoot ?? host.defaultResultsRoot;
  const runs = new RunsRepo(resultsRoot);
  /** The granted input and the results root of a run or sweep; a chosen output folder is remembered, so its runs are listed. */
  const startPlaces = async (req: { input: string; output?: string }): Promise<{ input: string; root: string }> => {
    const input = await checkInput(req.input);
    if (!input) throw new BenchError('ERROR_BAD_SETTINGS', 'choose the input with the picker first');
    if (!req.output) return { input, root: await resultsRoot() };
    const out = await grants.check(req.output);
    if (!out) throw new BenchError('ERROR_BAD_SETTINGS', 'choose the output folder with the picker first');
    await settings.set({ resultsRoot: out });
    return { input, root: out };
  };
  const jobs = new Jobs((e) => host.emit(e));
  // the last input listed, so its sizes are read without walking the folder again
  let lastListed: { path: string; items: InputItem[] } | undefined;
  const visible = async (all: AppSettings & { resultsRoot?: string }): Promise<VisibleSettings> => {
    const { resultsRoot: chosen, ...rest } = all;
    return { ...rest, resultsFolder: resolve(chosen ?? host.defaultResultsRoot), resultsFolderIsDefault: !chosen };
  };
  const access = async (): Promise<AwsAccess> => ({ profile: (await settings.get()).awsProfile || undefined, keys: await host.secrets.get() });
  const keyStatus = async () => {
    const keys = await host.secrets.get();
    return { stored: Boolean(keys), hint: keys ? keyHint(keys.accessKeyId) : null, keychain: host.secrets.available() };
  };

  const samples = new Map<string, Promise<SizeSample>>();
  // s3:// prefixes listed this session, with their image counts: only those may be run, as only picked paths may
  const prefixes = new Map<string, number>();
  const checkInput = async (input: string) => (isS3Uri(input) ? (prefixes.has(input) ? input : null) : grants.check(input));
  const handlers: Handlers = {
    async 'dialog:pick-input'({ kind }) {
      const picked = kind === 'folder' ? await host.pickFolder('Choose a folder of images') : await host.pickCsv();
      if (!picked) return null;
      const path = await grants.grant(picked);
      samples.delete(path); // picked again: read its images afresh
      const { items } = await resolveInput(path);
      lastListed = { path, items };
      return { path, kind, count: items.length };
    },
    async 'dialog:pick-output'() {
      const picked = await host.pickFolder('Choose where runs are saved');
      if (!picked) return null;
      const path = await grants.grant(picked);
      await settings.set({ resultsRoot: path });
      return { path };
    },
    async 'input:make-csv'({ folder }) {
      const real = await grants.check(folder);
      if (!real) throw new BenchError('ERROR_BAD_SETTINGS', 'that folder was not chosen in this session');
      const target = await host.pickSaveCsv(join(real, 'testFile.csv'));
      if (!target) return null;
      // the save dialog has already asked before replacing an existing file (Host.pickSaveCsv)
      const count = await makeCsv(real, target, { replace: true });
      await grants.grant(target);
      return { csvPath: target, count };
    },
    async 'input:bucket-prefix'({ uri, region, s3Endpoint }) {
      const { listing } = await listS3Images(uri, { region, endpoint: s3Endpoint, credentials: credentialsFor(await access()) }, { sample: { n: 1, seed: 0 } });
      prefixes.set(uri, listing.images);
      return { path: uri, kind: 's3', count: listing.images };
    },
    async 'input:image-sizes'({ input }) {
      // an object's header is not fetched for the estimate: S3 images count as typical photos
      if (prefixes.has(input)) return { total: prefixes.get(input)!, sizes: [] };
      const real = await grants.check(input);
      if (!real) throw new BenchError('ERROR_BAD_SETTINGS', 'choose the input with the picker first');
      const items = lastListed?.path === real ? lastListed.items : (await resolveInput(real)).items;
      return readImageSizes(items);
    },
    async 'run:start'(req) {
      const { input, root } = await startPlaces(req);
      return jobs.start(req, input, root, await access());
    },
    async 'sweep:plan'(req) {
      const input = await checkInput(req.input);
      if (!input) throw new BenchError('ERROR_BAD_SETTINGS', 'choose the input with the picker first');
      // the folder is walked and its headers read once per input, not at every ticked box
      let sample = prefixes.has(input) ? Promise.resolve({ total: Math.min(prefixes.get(input)!, req.sample?.n ?? Infinity), sizes: [] }) : samples.get(input);
      if (!sample) {
        sample = inputSample(input);
        samples.set(input, sample);
        sample.catch(() => samples.delete(input));
        if (samples.size > 4) samples.delete(samples.keys().next().value!);
      }
      const { images, settings: n, rows, estimate } = await planRun(toSweepSettings(req, input), undefined, await sample);
      return { images, settings: n, rows, low: estimate.low, high: estimate.high, reasons: estimate.reasons };
    },
    async 'sweep:start'(req) {
      const { input, root } = await startPlaces(req);
      return jobs.startSweep(req, input, root, await access());
    },
    async 'run:cancel'({ jobId }) {
      return { cancelled: jobs.cancel(jobId) };
    },
    async 'runs:list'() {
      return runs.list();
    },
    async 'runs:open'({ runId }) {
      return runs.open(runId);
    },
    async 'runs:delete'({ runId }) {
      return { deleted: await runs.remove(runId) };
    },
    async 'runs:resume'({ runId }) {
      const dir = await runs.dirOf(runId);
      const { settings: recorded } = await runs.rows(runId);
      return jobs.resume(dir, recordedScoring(recorded as unknown as RunSettings), await access(), runId);
    },
    async 'image:read'({ runId, row, which }) {
      const { dir, settings: runSettings, rows } = await runs.rows(runId);
      const r = rows[row];
      if (!r) throw new BenchError('ERROR_BAD_SETTINGS', `run has no row ${row}`);
      let bytes: Buffer;
      if (which === 'original' && isS3Uri(r.original)) {
        // an S3 original is read as the run read it: GetObject, with the run's region and endpoint
        const reader = new S3InputReader({ ...(runSettings.inputS3 as RunSettings['inputS3']), credentials: credentialsFor(await access()) });
        try {
          bytes = await reader.read(parseS3Uri(r.original), VIEW_MAX_PIXELS);
        } finally {
          reader.destroy();
        }
      } else if (which === 'original') bytes = await readFileReadOnly(r.original);
      else if (which === 'upscaled') {
        if (!inside(dir, r.row.upscaled_path)) throw new BenchError('ERROR_BAD_SETTINGS', 'upscaled image is outside the run folder');
        bytes = await readFileReadOnly(r.row.upscaled_path);
      } else if (r.row.stored_location.startsWith('s3://')) {
        const store = runSettings.store as { bucket: string; prefix?: string; region?: string; endpoint?: string };
        const s3 = new S3Store({ ...store, credentials: credentialsFor(await access()) });
        try {
          bytes = await s3.get(r.row.stored_key);
        } finally {
          s3.destroy();
        }
      } else {
        if (!inside(dir, r.row.stored_location)) throw new BenchError('ERROR_BAD_SETTINGS', 'stored image is outside the run folder');
        bytes = await readFileReadOnly(r.row.stored_location);
      }
      return encodeForView(bytes);
    },
    async 'image:heatmap'({ runId, row }) {
      const { dir, settings: runSettings, rows } = await runs.rows(runId);
      const r = rows[row];
      if (!r) throw new BenchError('ERROR_BAD_SETTINGS', `run has no row ${row}`);
      if (r.row.status !== 'ok') throw new BenchError('ERROR_BAD_SETTINGS', `row ${row} ended in an error: it has no upscaled image to compare`);
      if (!inside(dir, r.row.upscaled_path)) throw new BenchError('ERROR_BAD_SETTINGS', 'upscaled image is outside the run folder');
      const maxPixels = typeof runSettings.maxPixels === 'number' ? runSettings.maxPixels : DEFAULT_MAX_PIXELS;
      const original = await decodeImage(await readFileReadOnly(r.original), maxPixels);
      const upscaled = await decodeImage(await readFileReadOnly(r.row.upscaled_path), maxPixels);
      // Butteraugli's map only when the run scored Butteraugli: the map then explains the number in the row
      const kind = r.ui.butteraugli !== null ? 'butteraugli' : 'absolute';
      const map = await differenceHeatmap(original.raw, upscaled.raw, kind);
      const { width, height } = original.raw;
      return {
        mime: 'image/png',
        base64: map.png.toString('base64'),
        width: map.width,
        height: map.height,
        kind,
        label: HEATMAP_SCALES[kind].label,
        stops: HEATMAP_STOPS,
        max: HEATMAP_SCALES[kind].max,
        ticks: HEATMAP_SCALES[kind].ticks,
        peak: map.peak,
        scaledFrom: map.width === width && map.height === height ? null : { width, height },
      };
    },
    async 'export:csv'({ runId, rows: wanted }) {
      const { rows } = await runs.rows(runId);
      const target = await host.pickSaveCsv(`${runId.replaceAll('/', '-')}-results.csv`);
      if (!target) return null;
      const chosen = wanted ? wanted.map((i) => rows[i]).filter(Boolean) : rows;
      // Re-encode every row through the engine's formatter, so the export matches testResults.csv exactly.
      const text = csvHeader() + chosen.map((r) => csvLine(r.row)).join('');
      await writeFile(`${target}.partial`, text, 'utf8');
      await rename(`${target}.partial`, target);
      return { path: target, rows: chosen.length };
    },
    async 'export:settings-csv'({ runId }) {
      const { rows, settings } = await runs.rows(runId);
      const target = await host.pickSaveCsv(`${runId}-settings.csv`);
      if (!target) return null;
      const points = settingPoints(rows.map((r) => r.row));
      const goal = runTarget(recordedScoring(settings as unknown as RunSettings));
      await writeFile(`${target}.partial`, settingsCsv(points, goal.metric, targetAt(goal)), 'utf8');
      await rename(`${target}.partial`, target);
      return { path: target, rows: points.length };
    },
    async 'export:policy-csv'({ runId, target: goal }) {
      const { rows } = await runs.rows(runId);
      const policy = adaptivePolicy(rows.map((r) => r.row), goal);
      if (!policy) throw new BenchError('ERROR_BAD_SETTINGS', 'this run has no scored rows to make a policy from');
      const target = await host.pickSaveCsv(`${runId.replaceAll('/', '-')}-policy.csv`);
      if (!target) return null;
      await writeFile(`${target}.partial`, policyCsv(policy), 'utf8');
      await rename(`${target}.partial`, target);
      return { path: target, rows: policy.choices.length };
    },
    async 'shell:open-folder'({ runId }) {
      return { opened: await host.openFolder(await runs.dirOf(runId)) };
    },
    async 'settings:get'() {
      return visible(await settings.get());
    },
    async 'settings:set'(patch) {
      return visible(await settings.set(patch));
    },
    async 'aws:test-connection'(req) {
      const result: Responses['aws:test-connection'] = {};
      if (req.bucket) {
        const s3 = new S3Store({ bucket: req.bucket, region: req.region, endpoint: req.s3Endpoint, maxAttempts: 1, credentials: credentialsFor(await access()) });
        result.s3 = await s3.check().then(
          () => ({ ok: true, message: `bucket '${req.bucket}' is reachable` }),
          (e: Error) => ({ ok: false, message: e.message }),
        );
        s3.destroy();
      }
      if (req.endpoint) {
        const sm = new SageMakerJumpStartProvider({ endpointName: req.endpoint, region: req.region, url: req.sagemakerUrl, maxAttempts: 1, timeoutMs: 30_000, credentials: credentialsFor(await access()) });
        result.sagemaker = await sm.check().then(
          () => ({ ok: true, message: `endpoint '${req.endpoint}' answered with an upscaled image` }),
          (e: Error) => ({ ok: false, message: e.message }),
        );
        await sm.dispose();
      }
      return result;
    },
    async 'aws:profiles'() {
      return { profiles: await listProfiles(), selected: (await settings.get()).awsProfile ?? null };
    },
    async 'aws:key-status'() {
      return keyStatus();
    },
    async 'aws:set-keys'(keys) {
      if (!host.secrets.available()) {
        throw new BenchError('ERROR_BAD_SETTINGS', 'no OS keychain is available to protect the keys; use an AWS profile instead');
      }
      await host.secrets.set(keys);
      return keyStatus();
    },
    async 'models:list'() {
      return (await listModels(library())).map(toSummary);
    },
    async 'dialog:pick-model'() {
      const picked = await host.pickModelFile();
      if (!picked) return null;
      const path = await grants.grant(picked);
      return { path, name: nameFromFile(path) };
    },
    async 'models:add'({ path, name, force, inputRange, int8 }) {
      const real = await grants.check(path);
      if (!real) throw new BenchError('ERROR_BAD_SETTINGS', 'choose the model file with the picker first');
      const importId = randomUUID();
      const added = await addModelFile(real, {
        name: name ?? nameFromFile(real),
        force,
        inputRange,
        library: library(),
        // Off the main process's thread: the window stays responsive while a big net converts.
        inWorker: true,
        onProgress: (p) => host.emit({ jobId: importId, type: 'model-import', stage: p.stage, file: basename(real) }),
      });
      let { entry } = added;
      let int8Refused: string | undefined;
      if (int8) {
        try {
          entry = (await quantize(entry.name)).entry;
        } catch (err) {
          // the model stays added; the answer says why it has no int8 build
          if (!(err instanceof Int8Refused)) throw err;
          int8Refused = err.message;
        }
      }
      return { model: toSummary(importedEntry(entry, library())), ms: added.ms, ...(int8Refused ? { int8Refused } : {}) };
    },
    async 'models:remove'({ name }) {
      return { removed: (await library().remove(name)).name };
    },
    async 'models:quantize'({ name, force }) {
      const { entry, ms } = await quantize(name, force);
      return { model: toSummary(importedEntry(entry, library())), ms };
    },
    async 'aws:clear-keys'() {
      await host.secrets.clear();
      return keyStatus();
    },
  };
  return Object.assign(handlers, {
    /** Cancels every job and waits until their inference workers have ended (before the app quits). */
    dispose: async () => {
      await jobs.cancelAll();
      await closeAllInferenceWorkers();
    },
  });
}

function toSummary(m: ModelEntry): Responses['models:list'][number] {
  const e = m.facts;
  const int8 = m.builds.int8;
  return {
    name: m.name,
    kind: m.kind,
    architecture: m.architecture,
    scales: m.scales,
    summary: m.summary,
    ...(m.builds.fp32.speed ? { speed: m.builds.fp32.speed } : {}),
    ...(int8 ? { int8: { summary: int8.summary ?? 'int8 build', ...(int8.speed ? { speed: int8.speed } : {}), ...(int8.quality ? { quality: int8.quality } : {}) } } : {}),
    sizeBytes: m.builds.fp32.bytes,
    ...(m.license ? { license: m.license } : {}),
    ...(e ? { details: e.details, params: e.params, sourceFile: e.sourceFile } : {}),
    ...(m.sha256 ? { sha256: m.sha256 } : {}),
  };
}

/** The viewer gets PNG up to 16 MP (pixel-exact comparison), JPEG scaled to fit beyond that. */
async function encodeForView(bytes: Buffer): Promise<{ mime: string; base64: string; width: number; height: number }> {
  const img = sharp(bytes, { limitInputPixels: 200_000_000 }).rotate().toColourspace('srgb');
  const meta = await img.metadata();
  const big = (meta.width ?? 0) * (meta.height ?? 0) > VIEW_MAX_PIXELS;
  const { data, info } = await (big ? img.resize(4096, 4096, { fit: 'inside' }).jpeg({ quality: 92 }) : img.png({ compressionLevel: 1 })).toBuffer({ resolveWithObject: true });
  return { mime: big ? 'image/jpeg' : 'image/png', base64: data.toString('base64'), width: info.width, height: info.height };
}

/** True when `path` lies under `dir` (a CSV edited by hand cannot point the viewer elsewhere). */
function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
