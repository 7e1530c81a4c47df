/**
 * ESRGAN / RRDBNet (spandrel architectures/ESRGAN; BasicSR rrdbnet_arch.py) in its three key layouts:
 * old `model.N…`, Real-ESRGAN `conv_first`/`body.N.rdbK.convJ` and BSRGAN `RRDB_trunk.N.RDBK.convJ`.
 * conv_first → N RRDBs (3 dense blocks of five 3×3 convs, residuals scaled by 0.2) → trunk conv + skip →
 * per ×2: nearest upsample, conv, LeakyReLU(0.2) → HR conv, LeakyReLU → last conv. Inputs with 4× or 16×
 * the output channels are pixel-unshuffled by 2 or 4 first (Real-ESRGAN x2/x1); the graph pads them to a
 * multiple by reflection and crops the output back, as spandrel does, so any size runs; tiles stay seamless
 * only when their windows start on multiples of the factor (sizeMultiple).
 */
import { conv, convOverParts, cropTo, leakyRelu, reflectPadToMultiple, scale, scaled, spaceToDepth, spatialSize, unshuffleConvWeight, upsampleNearest, add } from '../../graph/layers.js';
import type { OnnxGraph } from '../../graph/onnx-graph.js';
import { ModelImportError, type StateDict, type Tensor } from '../state-dict.js';
import { hasAll, type Architecture, type LoadedArchitecture } from './architecture.js';
import type { Weights } from './weights.js';

interface Layout {
  name: string;
  first: string;
  rdbConv: (block: number, rdb: number, conv: number) => string;
  blockPattern: RegExp;
  trunk: (blocks: number) => string;
  up: (i: number) => string;
  upCount: (w: Weights) => number;
  hr: (ups: number) => string;
  last: (ups: number) => string;
}

const OLD: Layout = {
  name: 'old',
  first: 'model.0',
  rdbConv: (b, r, c) => `model.1.sub.${b}.RDB${r}.conv${c}.0`,
  blockPattern: /^model\.1\.sub\.(\d+)\.RDB/,
  trunk: (n) => `model.1.sub.${n}`,
  up: (i) => `model.${3 * i}`,
  // model.0 conv, model.1 trunk, [2: upsample, 3: conv, 4: act] per ×2, then HR conv + act, last conv.
  upCount: (w) => (w.maxIndex(/^model\.(\d+)\.weight$/) - 4) / 3,
  hr: (n) => `model.${3 * n + 2}`,
  last: (n) => `model.${3 * n + 4}`,
};
const REAL_ESRGAN: Layout = {
  name: 'Real-ESRGAN',
  first: 'conv_first',
  rdbConv: (b, r, c) => `body.${b}.rdb${r}.conv${c}`,
  blockPattern: /^body\.(\d+)\.rdb/,
  trunk: () => 'conv_body',
  up: (i) => `conv_up${i}`,
  upCount: (w) => w.maxIndex(/^conv_up(\d+)\.weight$/),
  hr: () => 'conv_hr',
  last: () => 'conv_last',
};
const BSRGAN: Layout = {
  name: 'BSRGAN',
  first: 'conv_first',
  rdbConv: (b, r, c) => `RRDB_trunk.${b}.RDB${r}.conv${c}`,
  blockPattern: /^RRDB_trunk\.(\d+)\.RDB/,
  trunk: () => 'trunk_conv',
  up: (i) => `upconv${i}`,
  upCount: (w) => w.maxIndex(/^upconv(\d+)\.weight$/),
  hr: () => 'HRconv',
  last: () => 'conv_last',
};

const layoutOf = (sd: StateDict): Layout | undefined =>
  hasAll(sd, 'model.0.weight', 'model.1.sub.0.RDB1.conv1.0.weight')
    ? OLD
    : hasAll(sd, 'conv_first.weight', 'body.0.rdb1.conv1.weight', 'conv_body.weight', 'conv_last.weight')
      ? REAL_ESRGAN
      : hasAll(sd, 'conv_first.weight', 'RRDB_trunk.0.RDB1.conv1.weight', 'trunk_conv.weight', 'conv_last.weight')
        ? BSRGAN
        : undefined;

export const esrgan: Architecture = {
  name: 'ESRGAN',
  detect: (sd) => layoutOf(sd) !== undefined,
  load(w) {
    const layout = layoutOf(w.sd)!;
    const firstW = w.get(`${layout.first}.weight`, [undefined, undefined, 3, 3]);
    const [nf, inNc] = firstW.shape;
    const blocks = w.maxIndex(layout.blockPattern) + 1;
    const gc = w.get(`${layout.rdbConv(0, 1, 1)}.weight`).shape[0];
    const ups = layout.upCount(w);
    if (!Number.isInteger(ups) || ups < 0) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the ESRGAN graph: cannot tell the upsampling steps (${layout.name} layout)`);
    const convW = (key: string, cout: number, cin: number) => ({ weight: w.get(`${key}.weight`, [cout, cin, 3, 3]), bias: w.get(`${key}.bias`, [cout]) });
    const lastW = w.get(`${layout.last(ups)}.weight`);
    const outNc = lastW.shape[0];
    const first = { weight: firstW, bias: w.get(`${layout.first}.bias`, [nf]) };
    const rrdbs = Array.from({ length: blocks }, (_, b) =>
      [1, 2, 3].map((r) => [1, 2, 3, 4, 5].map((c) => convW(layout.rdbConv(b, r, c), c === 5 ? nf : gc, nf + (c - 1) * gc))),
    );
    const trunk = convW(layout.trunk(blocks), nf, nf);
    const upConvs = Array.from({ length: ups }, (_, i) => convW(layout.up(i + 1), nf, nf));
    const hr = convW(layout.hr(ups), nf, nf);
    const last = convW(layout.last(ups), outNc, nf);
    w.checkAllUsed('ESRGAN');

    // Real-ESRGAN x2/x1: the input is pixel-unshuffled; the net's own scale is divided by the factor.
    const shuffle = inNc === outNc * 4 ? 2 : inNc === outNc * 16 ? 4 : 1;
    const netScale = 2 ** ups;
    if (netScale % shuffle) throw new ModelImportError('ERROR_MODEL_SHAPE_MISMATCH', `weights do not match the ESRGAN graph: ×${netScale} body after a ÷${shuffle} unshuffle`);
    const modelScale = netScale / shuffle;
    const loaded: LoadedArchitecture = {
      descriptor: {
        architecture: 'ESRGAN',
        scale: modelScale,
        inChannels: inNc / (shuffle * shuffle),
        outChannels: outNc,
        details: { layout: layout.name, blocks, features: nf, growth: gc, ...(shuffle > 1 ? { pixelUnshuffle: shuffle } : {}) },
        // The graph pads any size itself, but unshuffling is only shift-consistent at multiples of the
        // factor: tile windows must start (and, to avoid padding, end) on multiples of it to be seamless.
        sizeMultiple: shuffle,
      },
      build: (g) => buildEsrgan(g, { first, rrdbs, trunk, upConvs, hr, last, shuffle, modelScale }),
    };
    return loaded;
  },
};

type Conv = { weight: Tensor; bias: Tensor };

function buildEsrgan(
  g: OnnxGraph,
  m: { first: Conv; rrdbs: Conv[][][]; trunk: Conv; upConvs: Conv[]; hr: Conv; last: Conv; shuffle: number; modelScale: number },
): void {
  let x = 'input';
  let hw: string | undefined;
  let firstW = m.first.weight;
  if (m.shuffle > 1) {
    hw = spatialSize(g, x, 'input');
    x = reflectPadToMultiple(g, x, hw, m.shuffle, 'pad_to_multiple');
    x = spaceToDepth(g, x, m.shuffle, 'pixel_unshuffle');
    firstW = unshuffleConvWeight(firstW, m.shuffle);
  }
  // The net works in 0–1: the 1/255 goes into the first conv's weights, the 255 into the last conv's.
  const fea = conv(g, x, 'conv_first', scaled(firstW, 1 / 255), m.first.bias);
  let h = fea;
  m.rrdbs.forEach((rdbs, b) => {
    const blockIn = h;
    rdbs.forEach((convs, r) => {
      const name = `body.${b}.rdb${r + 1}`;
      const parts = [{ tensor: h, channels: m.first.weight.shape[0] }];
      for (let c = 0; c < 4; c++) {
        const pre = convOverParts(g, parts, `${name}.conv${c + 1}`, convs[c].weight, convs[c].bias);
        parts.push({ tensor: leakyRelu(g, pre, `${name}.lrelu${c + 1}`, 0.2), channels: convs[c].weight.shape[0] });
      }
      // x5 · 0.2 folds into conv5.
      const x5 = convOverParts(g, parts, `${name}.conv5`, scaled(convs[4].weight, 0.2), scaled(convs[4].bias, 0.2));
      h = add(g, x5, h, `${name}.out`);
    });
    h = add(g, scale(g, h, 0.2, `body.${b}.scaled`), blockIn, `body.${b}.out`);
  });
  h = add(g, fea, conv(g, h, 'conv_body', m.trunk.weight, m.trunk.bias), 'trunk_out');
  m.upConvs.forEach((c, i) => {
    h = leakyRelu(g, conv(g, upsampleNearest(g, h, 2, `up${i + 1}`), `conv_up${i + 1}`, c.weight, c.bias), `lrelu_up${i + 1}`, 0.2);
  });
  h = leakyRelu(g, conv(g, h, 'conv_hr', m.hr.weight, m.hr.bias), 'lrelu_hr', 0.2);
  const last = { weight: scaled(m.last.weight, 255), bias: scaled(m.last.bias, 255) };
  if (hw) cropTo(g, conv(g, h, 'conv_last', last.weight, last.bias), hw, m.modelScale, 'crop', 'output');
  else conv(g, h, 'conv_last', last.weight, last.bias, { output: 'output' });
}
