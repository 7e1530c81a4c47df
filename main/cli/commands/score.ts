import { Command } from 'commander';
import { decodeImage, readFileReadOnly } from '../../core/image/read.js';
import { scoreImages } from '../../core/metrics/score.js';

export function scoreCommand(): Command {
  return new Command('score')
    .description('score a candidate against an original: ORB similarity, PSNR, SSIM')
    .argument('<original>', 'the reference image')
    .argument('<candidate>', 'the image to judge (resized to the original first if sizes differ)')
    .option('--json', 'print JSON only')
    .action(async (originalPath: string, candidatePath: string, o: { json?: boolean }) => {
      const [a, b] = await Promise.all([originalPath, candidatePath].map(async (p) => decodeImage(await readFileReadOnly(p))));
      const s = await scoreImages(a.raw, b.raw);
      const result = { orb: s.orb, psnr: Number.isFinite(s.psnr) ? s.psnr : 'inf', ssim: s.ssim };
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else process.stdout.write(`ORB ${s.orb.toFixed(4)}  PSNR ${Number.isFinite(s.psnr) ? s.psnr.toFixed(3) + ' dB' : 'inf'}  SSIM ${s.ssim?.toFixed(4) ?? '– (too small)'}\n${JSON.stringify(result)}\n`);
    });
}
