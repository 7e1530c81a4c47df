/** The local ESRGAN models, built to ONNX from the @upscalerjs packages by `npm run models`. */
export interface LocalModelInfo {
  package: string;
  scales: readonly number[];
  /** What an analyst should expect, measured on scikit-image photos (see README). */
  summary: string;
  /** Output megapixels per second at x4 on the 2-core reference machine (`npm run bench:perf`). */
  mpsX4: number;
}

export const LOCAL_MODELS = {
  thick: { package: '@upscalerjs/esrgan-thick', scales: [2, 3, 4, 8], summary: 'RRDN, most faithful (default); slowest', mpsX4: 0.15 },
  medium: { package: '@upscalerjs/esrgan-medium', scales: [2, 3, 4, 8], summary: 'RDN, GAN-trained: sharper look, fidelity near bicubic', mpsX4: 1.19 },
  slim: { package: '@upscalerjs/esrgan-slim', scales: [2, 3, 4, 8], summary: 'RDN, GAN-trained, fastest; fidelity near bicubic', mpsX4: 1.67 },
} as const satisfies Record<string, LocalModelInfo>;

export type LocalModelName = keyof typeof LOCAL_MODELS;
export const DEFAULT_LOCAL_MODEL: LocalModelName = 'thick';
