/** The local ESRGAN models, built to ONNX from the @upscalerjs packages by `npm run models`. */
export interface LocalModelInfo {
  package: string;
  scales: readonly number[];
  /** What an analyst should expect, measured on scikit-image photos (see README). */
  summary: string;
}

export const LOCAL_MODELS = {
  thick: { package: '@upscalerjs/esrgan-thick', scales: [2, 3, 4, 8], summary: 'RRDN, most faithful (default); slowest' },
  medium: { package: '@upscalerjs/esrgan-medium', scales: [2, 3, 4, 8], summary: 'RDN, GAN-trained: sharper look, fidelity near bicubic' },
  slim: { package: '@upscalerjs/esrgan-slim', scales: [2, 3, 4, 8], summary: 'RDN, GAN-trained, fastest; fidelity near bicubic' },
} as const satisfies Record<string, LocalModelInfo>;

export type LocalModelName = keyof typeof LOCAL_MODELS;
export const DEFAULT_LOCAL_MODEL: LocalModelName = 'thick';
