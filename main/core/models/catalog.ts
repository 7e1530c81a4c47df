/** The local ESRGAN models, built to ONNX from the @upscalerjs packages by `npm run models`. */
export interface LocalModelInfo {
  package: string;
  scales: readonly number[];
  /** What an analyst should expect, measured on scikit-image photos (see README). */
  summary: string;
  /** Output megapixels per second at x4 on the 2-core reference machine (`npm run bench:perf`). */
  mpsX4: number;
  /** An int8 build exists: faster, with the fidelity loss measured in the README. Never chosen silently. */
  int8?: { mpsX4: number; summary: string };
}

export const LOCAL_MODELS = {
  thick: {
    package: '@upscalerjs/esrgan-thick',
    scales: [2, 3, 4, 8],
    summary: 'RRDN, most faithful (default); slowest',
    mpsX4: 0.15,
    int8: { mpsX4: 0.22, summary: '1.4–1.9× faster; PSNR vs fp32 at x4 over 38 images: under 0.1 dB lower on busy photos, up to 3 dB lower on smooth skies and gradients; SSIM within ±0.004 (README)' },
  },
  medium: { package: '@upscalerjs/esrgan-medium', scales: [2, 3, 4, 8], summary: 'RDN, GAN-trained: sharper look, fidelity near bicubic', mpsX4: 1.2 },
  slim: { package: '@upscalerjs/esrgan-slim', scales: [2, 3, 4, 8], summary: 'RDN, GAN-trained, fastest; fidelity near bicubic', mpsX4: 2.3 },
} as const satisfies Record<string, LocalModelInfo>;

export type LocalModelName = keyof typeof LOCAL_MODELS;
export const DEFAULT_LOCAL_MODEL: LocalModelName = 'thick';

export const PRECISIONS = ['fp32', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const hasInt8 = (model: LocalModelName): boolean => 'int8' in LOCAL_MODELS[model];
