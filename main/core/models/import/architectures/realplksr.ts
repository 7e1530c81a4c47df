/**
 * RealPLKSR, Partial Large Kernel CNNs (dslisleedh/PLKSR, "Real" variant; spandrel architectures/PLKSR):
 * conv → blocks of [LayerNorm?] → DCCM (3×3 ×2 channels, Mish, 3×3) → a large-kernel conv on the first
 * channels only → element-wise attention? → 1×1 refine → GroupNorm(4)? → + skip; last conv to scale² × 3,
 * plus the input repeated per sub-pixel, pixel-shuffled (= the nearest-upsampled input added).
 * DySample upsampling (`to_img.init_pos`) is not supported and is refused by name.
 */
import { add, channelSlice, concat, conv, groupNorm, layerNormChannels, mish, mul, pixelShuffle, scaled, sigmoid, upsampleNearest } from '../../graph/layers.js';
import { ModelImportError } from '../state-dict.js';
import { hasAll, type Architecture } from './architecture.js';

export const realplksr: Architecture = {
  name: 'RealPLKSR',
  detect: (sd) => hasAll(sd, 'feats.0.weight', 'feats.1.lk.conv.weight', 'feats.1.refine.weight', 'feats.1.channel_mixer.0.weight'),
  load(w) {
    if (w.has('to_img.init_pos')) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', 'RealPLKSR with DySample upsampling (to_img.*) is not supported yet');
    const first = w.get('feats.0.weight', [undefined, 3, 3, 3]);
    const dim = first.shape[0];
    const last = w.maxIndex(/^feats\.(\d+)\.weight$/);
    const blocks = last - 2; // feats.1..n are blocks, feats.n+1 is a dropout, feats.n+2 the last conv
    const lkW = w.get('feats.1.lk.conv.weight');
    const [pdim, , k] = lkW.shape;
    const layerNorm = w.has('feats.1.layer_norm.weight');
    const ea = w.has('feats.1.attn.f.0.weight');
    if (dim % 4 && !layerNorm) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the RealPLKSR graph: ${dim} features cannot form 4 norm groups`);
    const c = (key: string, cout: number, cin: number, ks: number) => ({ weight: w.get(`${key}.weight`, [cout, cin, ks, ks]), bias: w.get(`${key}.bias`, [cout]) });
    const v = (key: string) => w.get(key, [dim]);
    const stem = { weight: first, bias: w.get('feats.0.bias', [dim]) };
    const bs = Array.from({ length: blocks }, (_, i) => {
      const p = `feats.${i + 1}`;
      return {
        ln: layerNorm ? { weight: v(`${p}.layer_norm.weight`), bias: v(`${p}.layer_norm.bias`) } : undefined,
        mix0: c(`${p}.channel_mixer.0`, 2 * dim, dim, 3),
        mix2: c(`${p}.channel_mixer.2`, dim, 2 * dim, 3),
        lk: c(`${p}.lk.conv`, pdim, pdim, k),
        attn: ea ? c(`${p}.attn.f.0`, dim, dim, 3) : undefined,
        refine: c(`${p}.refine`, dim, dim, 1),
        gn: layerNorm ? undefined : { weight: v(`${p}.norm.weight`), bias: v(`${p}.norm.bias`) },
      };
    });
    const lastW = w.get(`feats.${last}.weight`, [undefined, dim, 3, 3]);
    const scale = Math.round(Math.sqrt(lastW.shape[0] / 3));
    if (scale * scale * 3 !== lastW.shape[0]) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the RealPLKSR graph: tensor feats.${last}.weight has ${lastW.shape[0]} outputs, not scale² × 3`);
    const tail = { weight: lastW, bias: w.get(`feats.${last}.bias`, [lastW.shape[0]]) };
    w.checkAllUsed('RealPLKSR');
    return {
      descriptor: {
        architecture: 'RealPLKSR',
        scale,
        inChannels: 3,
        outChannels: 3,
        details: { blocks, features: dim, kernel: k, norm: layerNorm ? 'layer' : 'group', ...(ea ? {} : { attention: 'off' }) },
        sizeMultiple: 1,
      },
      build(g) {
        let h = conv(g, 'input', 'feats.0', scaled(stem.weight, 1 / 255), stem.bias);
        bs.forEach((b, i) => {
          const p = `feats.${i + 1}`;
          const skip = h;
          let x = b.ln ? layerNormChannels(g, h, `${p}.layer_norm`, b.ln.weight, b.ln.bias, 1e-6) : h;
          x = conv(g, mish(g, conv(g, x, `${p}.channel_mixer.0`, b.mix0.weight, b.mix0.bias), `${p}.mish`), `${p}.channel_mixer.2`, b.mix2.weight, b.mix2.bias);
          const lk = conv(g, channelSlice(g, x, 0, pdim, `${p}.lk_in`), `${p}.lk`, b.lk.weight, b.lk.bias);
          x = concat(g, [lk, channelSlice(g, x, pdim, dim, `${p}.lk_rest`)], `${p}.lk_out`);
          if (b.attn) x = mul(g, x, sigmoid(g, conv(g, x, `${p}.attn.f.0`, b.attn.weight, b.attn.bias), `${p}.attn_gate`), `${p}.attn`);
          x = conv(g, x, `${p}.refine`, b.refine.weight, b.refine.bias);
          if (b.gn) x = groupNorm(g, x, `${p}.norm`, 4, b.gn.weight, b.gn.bias, 1e-5);
          h = add(g, x, skip, `${p}.out`);
        });
        const body = pixelShuffle(g, conv(g, h, `feats.${last}`, scaled(tail.weight, 255), scaled(tail.bias, 255)), scale, 'to_img');
        g.node('Add', [body, upsampleNearest(g, 'input', scale, 'repeat_input')], 'residual', undefined, 'output');
      },
    };
  },
};

