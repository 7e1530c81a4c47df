import { Command } from 'commander';
import { BenchError, describeError } from '../../core/errors.js';
import { decodeImage, readFileReadOnly } from '../../core/image/read.js';
import { type Scores, scoreImages } from '../../core/metrics/score.js';
import type { Metric } from '../../core/metrics/metric-names.js';
import { metricsOption } from '../options.js';

/** Reads and decodes one of the two images; an error names which one it was and its path. */
async function load(role: 'original' | 'candidate', path: string) {
  const bytes = await readFileReadOnly(path).catch((err) => {
    const { code, message } = describeError(err);
    throw new BenchError(code, `the ${role}: ${message}`); // read errors already name the path
  });
  return decodeImage(bytes).catch((err) => {
    const { code, message } = describeError(err);
    throw new BenchError(code, `the ${role} ${path}: ${message}`);
  });
}

export function scoreCommand(): Command {
  return new Command('score')
    .description('score a candidate against an original: ORB similarity (undefined, printed –, where the original has no keypoints), PSNR, SSIM, SSIMULACRA2, and Butteraugli when asked for')
    .argument('<original>', 'the reference image')
    .argument('<candidate>', 'the image to judge (resized to the original first if sizes differ)')
    .addOption(metricsOption())
    .option('--json', 'print JSON only')
    .action(async (originalPath: string, candidatePath: string, o: { json?: boolean; metrics: Metric[] }) => {
      const loaded = await Promise.allSettled([load('original', originalPath), load('candidate', candidatePath)]);
      const failed = loaded.flatMap((r) => (r.status === 'rejected' ? [r.reason as BenchError] : []));
      if (failed.length) throw new BenchError(failed[0].code, failed.map((e) => e.message).join('; '));
      const [a, b] = loaded.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof load>>>).value);
      const s = await scoreImages(a.raw, b.raw, o.metrics);
      // orb is null where it is undefined; orb_note then says why (or why it is 0), orb_keypoints how many the original has.
      // Every score is null when not asked for (or, for SSIM/SSIMULACRA2/Butteraugli, when the image is too small).
      const result = {
        orb: s.orb,
        orb_keypoints: s.orbKeypoints,
        ...(s.orbNote ? { orb_note: s.orbNote } : {}),
        psnr: s.psnr === Infinity ? 'inf' : s.psnr,
        ssim: s.ssim,
        ssimulacra2: s.ssimulacra2,
        butteraugli: s.butteraugli,
        butteraugli_3norm: s.butteraugli3norm,
      };
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else process.stdout.write(`${scoreLine(s, o.metrics)}\n${JSON.stringify(result)}\n`);
    });
}

/** "ORB 0.8123 (512 keypoints)  PSNR 31.204 dB  SSIM 0.9123  SSIMULACRA2 71.52", the asked-for scores only. */
function scoreLine(s: Scores, metrics: readonly Metric[]): string {
  const small = '– (too small)';
  const parts: Record<Metric, () => string> = {
    orb: () => `ORB ${s.orb === null ? `– (${s.orbNote})` : `${s.orb.toFixed(4)} (${s.orbNote ?? `${s.orbKeypoints} keypoints`})`}`,
    psnr: () => `PSNR ${s.psnr === Infinity ? 'inf' : `${s.psnr!.toFixed(3)} dB`}`,
    ssim: () => `SSIM ${s.ssim?.toFixed(4) ?? small}`,
    ssimulacra2: () => `SSIMULACRA2 ${s.ssimulacra2?.toFixed(2) ?? small}`,
    butteraugli: () => `Butteraugli ${s.butteraugli === null ? small : `${s.butteraugli.toFixed(3)} (3-norm ${s.butteraugli3norm!.toFixed(3)})`}`,
  };
  return metrics.map((m) => parts[m]()).join('  ');
}
