/**
 * SwinIR (JingyunLiang/SwinIR; spandrel architectures/SwinIR): conv_first → residual Swin transformer
 * blocks (window self-attention with relative position bias, every other block on windows shifted by half
 * a window with the attention mask that keeps wrapped-around regions apart; MLP) each closed by a conv and
 * a skip → LayerNorm → conv_after_body + skip → one of four upsamplers (pixelshuffle, pixelshuffledirect,
 * nearest+conv, none). Input reflect-padded to a multiple of the window, normalised by the RGB mean and
 * img_range (255 for window-7 models, as spandrel assumes), output cropped back.
 */
import {
  add,
  addChannels,
  conv,
  cropTo,
  gelu,
  layerNormLast,
  leakyRelu,
  linear,
  pixelShuffle,
  reflectPadToMultiple,
  scale,
  scaled,
  spatialSize,
  transpose,
  upsampleNearest,
  type WindowGrid,
  windowGrid,
} from '../../graph/layers.js';
import type { OnnxGraph } from '../../graph/onnx-graph.js';
import { ModelImportError, type Tensor } from '../state-dict.js';
import { hasAll, type Architecture } from './architecture.js';
import { shiftMask, swinWindowAttention } from './window-attention.js';

const RGB_MEAN = [0.4488, 0.4371, 0.404];
type Lin = { weight: Tensor; bias: Tensor };

export const swinir: Architecture = {
  name: 'SwinIR',
  detect: (sd) =>
    hasAll(sd, 'conv_first.weight', 'layers.0.residual_group.blocks.0.norm1.weight', 'layers.0.residual_group.blocks.0.attn.relative_position_bias_table') &&
    ![...sd.keys()].some((k) => k.includes('.conv_block.') || k.includes('overlap_attn')),
  load(w) {
    if (w.has('conv_first.1.weight')) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', 'SwinIR with a pixel-unshuffle stem (conv_first.1) is not supported yet');
    if (w.has('absolute_pos_embed')) throw new ModelImportError('ERROR_MODEL_UNSUPPORTED_LAYER', 'SwinIR with an absolute position embedding is not supported yet');
    const first = w.get('conv_first.weight', [undefined, undefined, 3, 3]);
    const [dim, inCh] = first.shape;
    const firstBias = w.get('conv_first.bias', [dim]);
    const upsampler = w.has('conv_before_upsample.0.weight') ? (w.has('conv_up1.weight') ? 'nearest+conv' : 'pixelshuffle') : w.has('upsample.0.weight') ? 'pixelshuffledirect' : 'none';
    const table0 = w.get('layers.0.residual_group.blocks.0.attn.relative_position_bias_table');
    const win = Math.round((Math.sqrt(table0.shape[0]) + 1) / 2);
    const imgRange = win === 7 ? 255 : 1;
    const lin = (key: string, out: number, inp: number): Lin => ({ weight: w.get(`${key}.weight`, [out, inp]), bias: w.get(`${key}.bias`, [out]) });
    const norm = (key: string): Lin => ({ weight: w.get(`${key}.weight`, [dim]), bias: w.get(`${key}.bias`, [dim]) });
    const convW = (key: string, cout: number, cin: number, k: number) => ({ weight: w.get(`${key}.weight`, [cout, cin, k, k]), bias: w.get(`${key}.bias`, [cout]) });
    const resi = (key: string) =>
      w.has(`${key}.weight`) ? [convW(key, dim, dim, 3)] : [convW(`${key}.0`, dim / 4, dim, 3), convW(`${key}.2`, dim / 4, dim / 4, 1), convW(`${key}.4`, dim, dim / 4, 3)];
    const nLayers = w.maxIndex(/^layers\.(\d+)\./) + 1;
    const layers = Array.from({ length: nLayers }, (_, li) => {
      const depth = w.maxIndex(new RegExp(`^layers\\.${li}\\.residual_group\\.blocks\\.(\\d+)\\.`)) + 1;
      const blocks = Array.from({ length: depth }, (_, bi) => {
        const p = `layers.${li}.residual_group.blocks.${bi}`;
        const table = w.get(`${p}.attn.relative_position_bias_table`, [(2 * win - 1) ** 2, undefined]);
        w.ignore(`${p}.attn.relative_position_index`);
        w.ignore(`${p}.attn_mask`);
        const hidden = w.get(`${p}.mlp.fc1.weight`).shape[0];
        return { norm1: norm(`${p}.norm1`), table, qkv: lin(`${p}.attn.qkv`, 3 * dim, dim), proj: lin(`${p}.attn.proj`, dim, dim), norm2: norm(`${p}.norm2`), fc1: lin(`${p}.mlp.fc1`, hidden, dim), fc2: lin(`${p}.mlp.fc2`, dim, hidden) };
      });
      return { blocks, conv: resi(`layers.${li}.conv`) };
    });
    const patchNorm = w.has('patch_embed.norm.weight') ? norm('patch_embed.norm') : undefined;
    const finalNorm = norm('norm');
    const afterBody = resi('conv_after_body');
    let scaleF = 1;
    let outCh = inCh;
    const up: { kind: string; convs: { weight: Tensor; bias: Tensor }[]; factors: number[] } = { kind: upsampler, convs: [], factors: [] };
    if (upsampler === 'pixelshuffle' || upsampler === 'nearest+conv') {
      const before = w.get('conv_before_upsample.0.weight', [undefined, dim, 3, 3]);
      const nf = before.shape[0];
      up.convs.push({ weight: before, bias: w.get('conv_before_upsample.0.bias', [nf]) });
      if (upsampler === 'pixelshuffle') {
        for (let i = 0; w.has(`upsample.${i}.weight`); i += 2) {
          const c = w.get(`upsample.${i}.weight`, [undefined, nf, 3, 3]);
          const f = Math.round(Math.sqrt(c.shape[0] / nf));
          if (f * f * nf !== c.shape[0]) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the SwinIR graph: tensor upsample.${i}.weight has ${c.shape[0]} outputs`);
          up.convs.push({ weight: c, bias: w.get(`upsample.${i}.bias`, [c.shape[0]]) });
          up.factors.push(f);
          scaleF *= f;
        }
      } else {
        for (let i = 1; w.has(`conv_up${i}.weight`); i++) {
          up.convs.push(convW(`conv_up${i}`, nf, nf, 3));
          scaleF *= 2;
        }
        up.convs.push(convW('conv_hr', nf, nf, 3));
      }
      const last = w.get('conv_last.weight', [undefined, nf, 3, 3]);
      outCh = last.shape[0];
      up.convs.push({ weight: last, bias: w.get('conv_last.bias', [outCh]) });
    } else if (upsampler === 'pixelshuffledirect') {
      const c = w.get('upsample.0.weight', [undefined, dim, 3, 3]);
      scaleF = Math.round(Math.sqrt(c.shape[0] / inCh));
      if (scaleF * scaleF * inCh !== c.shape[0]) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the SwinIR graph: tensor upsample.0.weight has ${c.shape[0]} outputs`);
      up.convs.push({ weight: c, bias: w.get('upsample.0.bias', [c.shape[0]]) });
    } else {
      up.convs.push(convW('conv_last', inCh, dim, 3));
    }
    if (outCh !== inCh) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the SwinIR graph: ${inCh} input and ${outCh} output channels`);
    w.checkAllUsed('SwinIR');
    const mean = inCh === 3 ? RGB_MEAN : new Array(inCh).fill(0);
    return {
      descriptor: {
        architecture: 'SwinIR',
        scale: scaleF,
        inChannels: inCh,
        outChannels: outCh,
        details: { upsampler, features: dim, window: win, depths: layers.map((l) => l.blocks.length).join(','), heads: layers.map((l) => l.blocks[0].table.shape[1]).join(',') },
        // Attention windows line up with the whole image only when tiles start on the window grid.
        sizeMultiple: win,
      },
      build(g) {
        const hw0 = spatialSize(g, 'input', 'input');
        const x = reflectPadToMultiple(g, 'input', hw0, win, 'pad_to_window');
        const d = windowGrid(g, x, win);
        // (x/255 − mean)·img_range
        const xn = scale(g, addChannels(g, x, mean.map((m) => -255 * m), 'centre'), imgRange / 255, 'normalise');
        const firstOut = conv(g, xn, 'conv_first', first, firstBias);
        let t = transpose(g, firstOut, [0, 2, 3, 1], 'patch_embed');
        if (patchNorm) t = layerNormLast(g, t, 'patch_embed.norm', patchNorm.weight, patchNorm.bias, 1e-5);
        let mask: string | undefined;
        layers.forEach((layer, li) => {
          const skip = t;
          layer.blocks.forEach((b, bi) => {
            const shift = bi % 2 === 1 ? Math.floor(win / 2) : 0;
            if (shift && !mask) mask = shiftMask(g, d, win, win, shift, shift, 'attn_mask');
            t = swinBlock(g, t, b, `layers.${li}.blocks.${bi}`, dim, win, shift, shift ? mask : undefined, d);
          });
          const nchw = transpose(g, t, [0, 3, 1, 2], `layers.${li}.unembed`);
          t = add(g, transpose(g, resiConv(g, nchw, layer.conv, `layers.${li}.conv`), [0, 2, 3, 1], `layers.${li}.embed`), skip, `layers.${li}.out`);
        });
        t = layerNormLast(g, t, 'norm', finalNorm.weight, finalNorm.bias, 1e-5);
        const body = add(g, resiConv(g, transpose(g, t, [0, 3, 1, 2], 'unembed'), afterBody, 'conv_after_body'), firstOut, 'body');
        // Output: out/img_range + mean, in 0–255: the 255/img_range folds into the last conv.
        const k = 255 / imgRange;
        const lastConv = (h: string, c: { weight: Tensor; bias: Tensor }, name: string) => conv(g, h, name, scaled(c.weight, k), scaled(c.bias, k));
        let out: string;
        if (up.kind === 'pixelshuffle' || up.kind === 'nearest+conv') {
          let h = leakyRelu(g, conv(g, body, 'conv_before_upsample', up.convs[0].weight, up.convs[0].bias), 'conv_before_upsample_act', 0.01);
          const mids = up.convs.slice(1, -1);
          if (up.kind === 'pixelshuffle') mids.forEach((c, i) => (h = pixelShuffle(g, conv(g, h, `upsample.${2 * i}`, c.weight, c.bias), up.factors[i], `upsample.${2 * i + 1}`)));
          else
            mids.forEach((c, i) => {
              const hr = i === mids.length - 1;
              h = leakyRelu(g, conv(g, hr ? h : upsampleNearest(g, h, 2, `up${i + 1}`), hr ? 'conv_hr' : `conv_up${i + 1}`, c.weight, c.bias), hr ? 'lrelu_hr' : `lrelu_up${i + 1}`, 0.2);
            });
          out = addChannels(g, lastConv(h, up.convs[up.convs.length - 1], 'conv_last'), mean.map((m) => 255 * m), 'add_mean');
        } else if (up.kind === 'pixelshuffledirect') {
          out = addChannels(g, pixelShuffle(g, lastConv(body, up.convs[0], 'upsample.0'), scaleF, 'upsample.1'), mean.map((m) => 255 * m), 'add_mean');
        } else {
          // (xn + c)/img_range + mean = x/255 + c/img_range
          out = add(g, x, lastConv(body, up.convs[0], 'conv_last'), 'restored');
        }
        cropTo(g, out, hw0, scaleF, 'crop', 'output');
      },
    };
  },
};

function resiConv(g: OnnxGraph, x: string, convs: { weight: Tensor; bias: Tensor }[], name: string): string {
  if (convs.length === 1) return conv(g, x, name, convs[0].weight, convs[0].bias);
  let h = leakyRelu(g, conv(g, x, `${name}.0`, convs[0].weight, convs[0].bias), `${name}.1`, 0.2);
  h = leakyRelu(g, conv(g, h, `${name}.2`, convs[1].weight, convs[1].bias), `${name}.3`, 0.2);
  return conv(g, h, `${name}.4`, convs[2].weight, convs[2].bias);
}

type Block = { norm1: Lin; table: Tensor; qkv: Lin; proj: Lin; norm2: Lin; fc1: Lin; fc2: Lin };

/** One Swin block on NHWC [1, H, W, C]. */
function swinBlock(g: OnnxGraph, t: string, b: Block, name: string, c: number, win: number, shift: number, mask: string | undefined, d: WindowGrid): string {
  const heads = b.table.shape[1];
  const h = layerNormLast(g, t, `${name}.norm1`, b.norm1.weight, b.norm1.bias, 1e-5);
  const attn = swinWindowAttention(g, h, { qkv: b.qkv, proj: b.proj, table: b.table, heads }, c, win, shift, mask, d, name);
  const x = add(g, t, attn, `${name}.attn_out`);
  const m = linear(g, gelu(g, linear(g, layerNormLast(g, x, `${name}.norm2`, b.norm2.weight, b.norm2.bias, 1e-5), `${name}.fc1`, b.fc1.weight, b.fc1.bias), `${name}.gelu`), `${name}.fc2`, b.fc2.weight, b.fc2.bias);
  return add(g, x, m, `${name}.out`);
}
