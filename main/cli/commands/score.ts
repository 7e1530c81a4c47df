import { Command } from 'commander';
import { BenchError, describeError } from '../../core/errors.js';
import { decodeImage, readFileReadOnly } from '../../core/image/read.js';
import { scoreImages } from '../../core/metrics/score.js';

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
    .description('score a candidate against an original: ORB similarity (undefined, printed –, where the original has no keypoints), PSNR, SSIM')
    .argument('<original>', 'the reference image')
    .argument('<candidate>', 'the image to judge (resized to the original first if sizes differ)')
    .option('--json', 'print JSON only')
    .action(async (originalPath: string, candidatePath: string, o: { json?: boolean }) => {
      const loaded = await Promise.allSettled([load('original', originalPath), load('candidate', candidatePath)]);
      const failed = loaded.flatMap((r) => (r.status === 'rejected' ? [r.reason as BenchError] : []));
      if (failed.length) throw new BenchError(failed[0].code, failed.map((e) => e.message).join('; '));
      const [a, b] = loaded.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof load>>>).value);
      const s = await scoreImages(a.raw, b.raw);
      // orb is null where it is undefined; orb_note then says why (or why it is 0), orb_keypoints how many the original has
      const result = { orb: s.orb, orb_keypoints: s.orbKeypoints, ...(s.orbNote ? { orb_note: s.orbNote } : {}), psnr: Number.isFinite(s.psnr) ? s.psnr : 'inf', ssim: s.ssim };
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        const orb = s.orb === null ? `– (${s.orbNote})` : `${s.orb.toFixed(4)} (${s.orbNote ?? `${s.orbKeypoints} keypoints`})`;
        process.stdout.write(`ORB ${orb}  PSNR ${Number.isFinite(s.psnr) ? s.psnr.toFixed(3) + ' dB' : 'inf'}  SSIM ${s.ssim?.toFixed(4) ?? '– (too small)'}\n${JSON.stringify(result)}\n`);
      }
    });
}
