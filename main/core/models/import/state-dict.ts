/**
 * What every model importer shares: tensors read from a weights file (always float32), the error every
 * importer throws, and the descriptor + ONNX graph every importer produces. The ONNX contract is the tiled
 * runner's: one input `input`, float32 NCHW [1,3,H,W] in 0–255; one output `output`, [1,3,H·s,W·s] in 0–255.
 */
export type DType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'U8' | 'I8' | 'BOOL';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, Tensor>;

export type ImportErrorCode =
  | 'ERROR_MODEL_CORRUPT'
  | 'ERROR_MODEL_UNSAFE'
  | 'ERROR_MODEL_UNKNOWN_ARCH'
  | 'ERROR_MODEL_UNSUPPORTED_LAYER'
  | 'ERROR_MODEL_SHAPE_MISMATCH'
  | 'ERROR_NOT_A_MODEL';

/** A one-line, user-facing reason a file cannot be imported; the code says which kind. */
export class ModelImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelImportError';
  }
}

export type SourceFormat = 'pth-zip' | 'pth-legacy' | 'safetensors' | 'ncnn' | 'onnx';

export interface ModelDescriptor {
  /** 'ESRGAN' | 'Real-ESRGAN Compact' | 'SPAN' | 'ONNX' | … */
  architecture: string;
  /** The net's overall scale (x1 allowed). */
  scale: number;
  inChannels: number;
  outChannels: number;
  /** e.g. { blocks: 23, features: 64, pixelUnshuffle: 2 } */
  details: Record<string, number | string>;
  params: number;
  sourceFormat: SourceFormat;
  /** Tiles must be a multiple of this (pixel-unshuffle nets); 1 when the graph pads itself. */
  sizeMultiple: number;
  /** Default tile overlap in input pixels for seamless tiles (set at import from the architecture). */
  tileOverlap?: number;
}

export interface ConvertedImport {
  descriptor: ModelDescriptor;
  onnx: Uint8Array;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
