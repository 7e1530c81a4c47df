/** One line of testResults.csv: one input image through one provider. */
export interface ResultRow {
  image_path: string;
  /** The image's group (`--group-by folder`, or a CSV's `group` column); empty without grouping, and in files from before the column. */
  group: string;
  stored_key: string;
  stored_location: string;
  upscaled_path: string;
  status: 'ok' | 'error';
  error: string;
  error_code: string;
  width: number | null;
  height: number | null;
  stored_width: number | null;
  stored_height: number | null;
  factor: number | null;
  format: string;
  quality: number | null;
  original_bytes: number | null;
  stored_bytes: number | null;
  saved_percent: number | null;
  provider: string;
  model: string;
  /** The image's own upscale compute (see README, Results columns), not its wall time. */
  upscale_ms: number | null;
  /** Time the upscale waited for an inference slot (or a throttled endpoint) with nothing of its own running. */
  wait_ms: number | null;
  /** Threads upscale_ms ran on here (core-seconds = upscale_ms × upscale_threads / 1000); empty for SageMaker. */
  upscale_threads: number | null;
  total_ms: number | null;
  /** null where ORB is undefined (the note says why). */
  orb_score: number | null;
  /** Keypoints ORB found in the original: 0 explains an empty orb_score. */
  orb_keypoints: number | null;
  psnr: number | null;
  ssim: number | null;
  /** Empty when not asked for (`--metrics`) or under 8×8; likewise Butteraugli's max-norm and 3-norm. */
  ssimulacra2: number | null;
  butteraugli: number | null;
  butteraugli_3norm: number | null;
  notes: string;
}

export const RESULT_COLUMNS: readonly (keyof ResultRow)[] = [
  'image_path',
  'group',
  'stored_key',
  'stored_location',
  'upscaled_path',
  'status',
  'error',
  'error_code',
  'width',
  'height',
  'stored_width',
  'stored_height',
  'factor',
  'format',
  'quality',
  'original_bytes',
  'stored_bytes',
  'saved_percent',
  'provider',
  'model',
  'upscale_ms',
  'wait_ms',
  'upscale_threads',
  'total_ms',
  'orb_score',
  'orb_keypoints',
  'psnr',
  'ssim',
  'ssimulacra2',
  'butteraugli',
  'butteraugli_3norm',
  'notes',
] as const;

export function emptyRow(image_path: string, provider: string, model: string): ResultRow {
  return {
    image_path,
    group: '',
    stored_key: '',
    stored_location: '',
    upscaled_path: '',
    status: 'error',
    error: '',
    error_code: '',
    width: null,
    height: null,
    stored_width: null,
    stored_height: null,
    factor: null,
    format: '',
    quality: null,
    original_bytes: null,
    stored_bytes: null,
    saved_percent: null,
    provider,
    model,
    upscale_ms: null,
    wait_ms: null,
    upscale_threads: null,
    total_ms: null,
    orb_score: null,
    orb_keypoints: null,
    psnr: null,
    ssim: null,
    ssimulacra2: null,
    butteraugli: null,
    butteraugli_3norm: null,
    notes: '',
  };
}

/** Bytes saved by storing the downscaled copy, as the CSV's `saved_percent` (two decimals). */
export const savedPercent = (originalBytes: number, storedBytes: number): number => Number((((originalBytes - storedBytes) / originalBytes) * 100).toFixed(2));
