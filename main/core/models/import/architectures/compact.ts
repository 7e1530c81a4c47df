/**
 * Real-ESRGAN Compact / SRVGGNetCompact (Real-ESRGAN srvgg_arch.py; spandrel architectures/Compact):
 * body.0 conv, then alternating PReLU (per-channel slope) and 3×3 conv; the last conv outputs scale² ×
 * out channels, pixel-shuffled, plus the nearest-upsampled input.
 */
import { conv, pixelShuffle, prelu, scaled, upsampleNearest } from '../../graph/layers.js';
import { ModelImportError, type Tensor } from '../state-dict.js';
import { hasAll, scaleAndChannels, type Architecture } from './architecture.js';

export const compact: Architecture = {
  name: 'Real-ESRGAN Compact',
  detect: (sd) => hasAll(sd, 'body.0.weight', 'body.1.weight') && sd.get('body.0.weight')!.shape.length === 4 && sd.get('body.1.weight')!.shape.length === 1,
  load(w) {
    const highest = w.maxIndex(/^body\.(\d+)\.weight$/);
    const first = w.get('body.0.weight', [undefined, undefined, 3, 3]);
    const [nf, inNc] = first.shape;
    if (highest % 2 || highest < 2) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the Compact graph: the body ends at body.${highest}, an activation`);
    const convs: { weight: Tensor; bias: Tensor }[] = [];
    const slopes: Tensor[] = [];
    for (let i = 0; i <= highest; i += 2) {
      const lastConv = i === highest;
      const weight = w.get(`body.${i}.weight`, [lastConv ? undefined : nf, i === 0 ? inNc : nf, 3, 3]);
      convs.push({ weight, bias: w.get(`body.${i}.bias`, [weight.shape[0]]) });
      if (!lastConv) slopes.push(w.get(`body.${i + 1}.weight`, [nf]));
    }
    w.checkAllUsed('Real-ESRGAN Compact');
    const shuffleOut = convs[convs.length - 1].weight.shape[0];
    const sc = scaleAndChannels(shuffleOut, inNc);
    if (!sc || sc.outChannels !== inNc) {
      throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the Compact graph: tensor body.${highest}.weight has ${shuffleOut} outputs, not scale² × ${inNc} channels`);
    }
    return {
      descriptor: {
        architecture: 'Real-ESRGAN Compact',
        scale: sc.scale,
        inChannels: inNc,
        outChannels: sc.outChannels,
        details: { convs: convs.length - 2, features: nf },
        sizeMultiple: 1,
      },
      build(g) {
        // In 0–1 like the original: 1/255 folds into the first conv, 255 into the last; the skip is the raw input.
        let h = 'input';
        convs.forEach((c, k) => {
          const lastConv = k === convs.length - 1;
          const weight = k === 0 ? scaled(c.weight, 1 / 255) : lastConv ? scaled(c.weight, 255) : c.weight;
          const bias = lastConv ? scaled(c.bias, 255) : c.bias;
          h = conv(g, h, `body.${2 * k}`, weight, bias);
          if (!lastConv) h = prelu(g, h, `body.${2 * k + 1}`, slopes[k]);
        });
        const body = pixelShuffle(g, h, sc.scale, 'upsampler');
        g.node('Add', [body, upsampleNearest(g, 'input', sc.scale, 'base')], 'residual', undefined, 'output');
      },
    };
  },
};
