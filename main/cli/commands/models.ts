import { Command, Option } from 'commander';
import { BenchError } from '../../core/errors.js';
import type { Precision } from '../../core/models/catalog.js';
import { addModelFile } from '../../core/models/import/import-model.js';
import { ONNX_INPUT_RANGES, type OnnxInputRange } from '../../core/models/import/onnx-file.js';
import { Int8Refused } from '../../core/models/int8/int8-support.js';
import { COST_BOUND_DB, quantizeModel } from '../../core/models/int8/make-int8.js';
import { type LibraryEntry, ModelLibrary } from '../../core/models/library.js';
import { type ModelEntry, precisionsOf } from '../../core/models/model-entry.js';
import { listModels } from '../../core/models/model-list.js';
import { libraryDir, modelsDir } from '../../core/paths.js';
import { formatBytes } from '../../core/results/format-bytes.js';

export function modelsCommand(): Command {
  const cmd = new Command('models')
    .description('list the local AI models (built in and imported) with scales, sizes, speed and licence; add, quantize or remove your own')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', () => `\nImported models live in ${libraryDir()} (set UPSCALE_BENCH_MODELS=DIR to use another folder).`)
    .action(printList);

  cmd
    .command('list')
    .description('the same as `models`')
    .option('--json', 'print the list as JSON')
    .action((o: { json?: boolean }) => printList({ json: o.json || cmd.opts().json }));

  cmd
    .command('add')
    .description('import a model file (.pth/.pt, .safetensors, ncnn .param with its .bin, .onnx) into the library')
    .argument('<file>', 'the model file')
    .option('--name <name>', 'the name to use with --model (default: from the file name)')
    .option('--force', 'replace a model of the same name')
    .addOption(new Option('--input-range <range>', 'ONNX files only: the pixel range the model takes and gives (no ONNX file says)').choices([...ONNX_INPUT_RANGES]))
    .option('--int8', `also make an int8 build (as \`models quantize\` does; refused when it costs more than ${COST_BOUND_DB} dB)`)
    .option('--calibrate <dir>', 'with --int8: calibrate and measure on these images instead of the bundled photos')
    .option('--json', 'print the imported model as JSON')
    .action(async (file: string, o: { name?: string; force?: boolean; json?: boolean; inputRange?: OnnxInputRange; int8?: boolean; calibrate?: string }) => {
      if (o.calibrate && !o.int8) throw new BenchError('ERROR_BAD_SETTINGS', '--calibrate goes with --int8');
      const tty = process.stderr.isTTY;
      let result;
      try {
        result = await addModelFile(file, { name: o.name, force: o.force, inputRange: o.inputRange, onProgress: (p) => tty && process.stderr.write(`\r${p.stage}…`.padEnd(16)) });
      } catch (err) {
        // A missing or unreadable file is a bad invocation of this command, like a bad model file.
        if (err instanceof BenchError && err.code.startsWith('ERROR_INPUT')) throw new BenchError('ERROR_BAD_SETTINGS', err.message);
        throw err;
      } finally {
        if (tty) process.stderr.write('\r'.padEnd(17) + '\r');
      }
      const { ms, speed } = result;
      let e = result.entry;
      // `models add F --json`: commander hands --json to `models` itself, which has the same option.
      const json = o.json || cmd.opts().json;
      // The model is kept whatever becomes of its int8 build; a refusal is said after, with exit status 2.
      let refused: string | undefined;
      if (o.int8) {
        try {
          e = (await quantizeWithProgress(e.name, { calibrate: o.calibrate })).entry;
        } catch (err) {
          if (!(err instanceof Int8Refused)) throw err;
          refused = withForceHint(err, e.name);
          process.exitCode = 2;
        }
      }
      if (json) {
        process.stdout.write(JSON.stringify({ ...e, ms }, null, 2) + '\n');
        if (refused) process.stderr.write(`upscale-bench: ${refused}\n`);
        return;
      }
      const lines: [string, string][] = [
        ['architecture', e.architecture],
        ['scale', `x${e.scale}`],
        ...Object.entries(e.details).map(([k, v]): [string, string] => [k, String(v)]),
        ['channels', `${e.inChannels} in, ${e.outChannels} out`],
        ['parameters', e.params.toLocaleString('en-US')],
        [
          'speed',
          speed
            ? `~${speed.mpsOut} MP/s out on this CPU (timed at import on a ${speed.side}×${speed.side} tile, ${speed.workers > 1 ? `${speed.workers} workers × ` : ''}${speed.threadsEach} thread${speed.threadsEach > 1 ? 's' : ''}; runs refine it)`
            : 'not measured (the timing run failed); runs will measure it',
        ],
        ['source', `${e.sourceFile} (${e.sourceFormat}, ${formatBytes(e.sourceBytes)})`],
        ...(e.tileOverlap ? [['tile overlap', `${e.tileOverlap} px of context around each tile, for seamless tiles (--tile-overlap overrides)`] as [string, string]] : []),
        ['sha256', e.sha256],
        ['licence', e.license ?? 'unknown: the file does not say; check where you got it'],
        ['stored', `${formatBytes(e.onnxBytes)} ONNX in ${new ModelLibrary().dir}`],
      ];
      process.stdout.write(`added '${e.name}' in ${(ms / 1000).toFixed(1)} s; use it with --model ${e.name}\n`);
      for (const [k, v] of lines) process.stdout.write(`  ${k.padEnd(13)} ${v}\n`);
      if (e.sourceFormat === 'onnx') {
        process.stdout.write(e.details.inputRange === '0..255'
          ? '  assumed that the model takes and gives pixels in 0..255, as --input-range 0-255 says\n'
          : '  assumed that the model takes and gives pixels in 0..1 (ONNX files do not say); if its pictures look wrong (too dark, too bright), add it again with --input-range 0-255 --force\n');
      }
      if (e.int8) printInt8(e);
      if (refused) process.stderr.write(`upscale-bench: ${refused}\n`);
    });

  cmd
    .command('quantize')
    .description(`make an int8 build of an imported model: calibrated on bundled photos (or --calibrate DIR), measured against fp32, kept beside it when it costs at most ${COST_BOUND_DB} dB`)
    .argument('<name>', 'the imported model')
    .option('--calibrate <dir>', 'calibrate and measure on these images (up to 12, cut to 96 px) instead of the bundled photos')
    .option('--force', `keep the build even when it costs more than ${COST_BOUND_DB} dB or is not faster (the cost is recorded and shown)`)
    .option('--json', 'print the model as JSON')
    .action(async (name: string, o: { calibrate?: string; force?: boolean; json?: boolean }) => {
      let made;
      try {
        made = await quantizeWithProgress(name, { calibrate: o.calibrate, force: o.force });
      } catch (err) {
        if (err instanceof Int8Refused && err.forcible) throw new Int8Refused(withForceHint(err, name), true);
        throw err;
      }
      const { entry, ms } = made;
      if (o.json || cmd.opts().json) {
        process.stdout.write(JSON.stringify({ ...entry, ms }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`made an int8 build of '${entry.name}' in ${(ms / 1000).toFixed(1)} s; use it with --model ${entry.name} --precision int8\n`);
      printInt8(entry);
    });

  cmd
    .command('remove')
    .description('remove an imported model from the library')
    .argument('<name>', 'the model name')
    .action(async (name: string) => {
      const e = await new ModelLibrary().remove(name);
      process.stdout.write(`removed '${e.name}' (${e.architecture} x${e.scale}, ${formatBytes(e.onnxBytes)})\n`);
    });
  return cmd;
}

async function printList(o: { json?: boolean }) {
  const library = new ModelLibrary();
  const models = await listModels(library);
  if (o.json) {
    const list = models.map(({ facts, ...rest }) => ({ ...rest, ...(facts ? { sourceFormat: facts.sourceFormat, details: facts.details, params: facts.params, importedAt: facts.importedAt } : {}) }));
    process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return;
  }
  process.stdout.write(`local AI models: built in (${modelsDir()}, read-only) and imported (${library.dir})\n`);
  const width = Math.max(8, ...models.map((m) => m.name.length + 1));
  for (const m of models) {
    const builds = precisionsOf(m).map((p) => buildLine(m, p));
    process.stdout.write(`${m.name.padEnd(width)} ${m.kind.padEnd(8)}  ${m.architecture} ${m.scales.map((s) => `x${s}`).join(' ')}  licence: ${m.license ?? 'unknown (the file does not say)'}\n`);
    process.stdout.write(`${''.padEnd(width)} ${m.summary}\n`);
    for (const b of builds) process.stdout.write(`${''.padEnd(width)} ${b}\n`);
  }
  if (!models.some((m) => m.kind === 'imported')) process.stdout.write('no imported models yet: add one with `upscale-bench models add FILE`\n');
}

async function quantizeWithProgress(name: string, o: { calibrate?: string; force?: boolean }) {
  const tty = process.stderr.isTTY;
  try {
    return await quantizeModel(name, { ...o, onProgress: (p) => tty && process.stderr.write(`\rint8: ${p.stage}…`.padEnd(24)) });
  } catch (err) {
    // a --calibrate folder that cannot be read is a bad invocation, like a bad model name
    if (err instanceof BenchError && err.code.startsWith('ERROR_INPUT')) throw new BenchError('ERROR_BAD_SETTINGS', err.message);
    throw err;
  } finally {
    if (tty) process.stderr.write('\r'.padEnd(25) + '\r');
  }
}

/** A refusal on measured numbers can be overridden from the command line; one by architecture cannot. */
const withForceHint = (err: Int8Refused, name: string) => (err.forcible ? `${err.message} (\`upscale-bench models quantize ${name} --force\` keeps it anyway)` : err.message);

function printInt8(e: LibraryEntry): void {
  const { quality: q, onnxBytes } = e.int8!;
  const c = q.cost;
  const photos = `${q.photos} ${q.calibration === 'bundled' ? 'calibration photos' : `photos from ${q.calibration}`}`;
  const s2 = (s: { mean: number; worst: number } | null, signed = false) => (s ? `, SSIMULACRA2 ${num(s.mean, 1, signed)} (worst ${num(s.worst, 1, signed)})` : '');
  const lines: [string, string][] = [
    ['int8 speed', `${q.speed.speedup}× fp32 here (${q.speed.int8MpsOut} against ${q.speed.fp32MpsOut} MP/s out at x${q.speed.scale}, same tiles, ${q.speed.threads} threads)`],
    ['int8 cost', `PSNR ${num(c.psnr.mean, 2, true)} dB (worst ${num(c.psnr.worst, 2, true)})${s2(c.ssimulacra2, true)} relative to fp32, both scored against the originals of ${photos} brought down ÷${q.speed.scale} and upscaled back; bound ${c.boundDb} dB${c.withinBound ? '' : ': over it, kept with --force'}`],
    ['int8 vs fp32', `output ${num(q.vsFp32.psnr.mean, 1)} dB PSNR from fp32's (worst ${num(q.vsFp32.psnr.worst, 1)})${s2(q.vsFp32.ssimulacra2)}`],
    ['int8 weights', `${q.weightBits}-bit${q.weightBits === 8 ? " (this CPU's int8 kernels sum without saturating)" : " (this CPU's int8 kernels would saturate 8-bit ones)"}`],
    ['int8 stored', `${formatBytes(onnxBytes)} ONNX beside the fp32 one`],
  ];
  for (const [k, v] of lines) process.stdout.write(`  ${k.padEnd(13)} ${v}\n`);
}

const num = (v: number, d: number, signed = false) => (signed ? (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(d) : v.toFixed(d));

function buildLine(m: ModelEntry, p: Precision): string {
  const b = m.builds[p]!;
  const size = b.bytes === null ? 'not built (npm run models)' : formatBytes(b.bytes);
  const speed = b.speed ? `${b.speed.mpsOut} MP/s out at x${b.speed.scale} (${b.speed.where})` : 'speed not measured yet';
  return `${p === 'fp32' ? 'fp32' : `--precision ${p}`}: ${size}, ${speed}${b.summary ? `; ${b.summary}` : ''}`;
}
