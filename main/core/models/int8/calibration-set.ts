/**
 * The photos an int8 build is calibrated and measured on: the bundled set (assets/calibration/, the one
 * thick's build uses: 96 px crops of scikit-image sample photos that are not in the quality table's set), or
 * a folder the user names. A folder's images are cut to the bundled set's size so calibration stays quick:
 * brought down ×4 with lanczos3 when that leaves at least 96 px (as the bundled ones were, so they look like
 * what a model is fed), then their centre 96×96. Every image is trimmed to a multiple of the model's scale
 * and size multiple, so that ×scale down and back up gives the original's size.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { BenchError } from '../../errors.js';
import { type RawImage, rgbOnly, toRaw } from '../../image/raw.js';
import { readFileReadOnly } from '../../image/read.js';
import { outsideArchive, packageRoot } from '../../paths.js';

export const CALIBRATION_SIZE = 96;
/** At most this many images from a folder (first by name): enough for ranges, few enough to stay quick. */
export const MAX_CALIBRATION_IMAGES = 12;
const IMAGE = /\.(png|jpe?g|webp|tiff?|avif|gif)$/i;

/** Unpacked beside app.asar in the installed app (electron-builder.yml), where the int8 worker can read it. */
export const bundledCalibrationDir = (): string => outsideArchive(join(packageRoot(), 'assets', 'calibration'));

export interface CalibrationPhoto {
  name: string;
  image: RawImage;
}

export interface CalibrationSet {
  photos: CalibrationPhoto[];
  /** 'bundled', or the folder given. */
  source: string;
}

/** The set for a model that scales by `scale` and needs sizes in multiples of `sizeMultiple`. */
export async function loadCalibrationSet(dir: string | undefined, fit: { scale: number; sizeMultiple: number }): Promise<CalibrationSet> {
  const bundled = dir === undefined;
  const folder = dir ?? bundledCalibrationDir();
  const names = await readdir(folder).catch((err: NodeJS.ErrnoException) => {
    throw new BenchError('ERROR_BAD_SETTINGS', err.code === 'ENOENT' ? `--calibrate: no such folder: ${folder}` : `--calibrate: cannot read ${folder}: ${err.message}`);
  });
  const files = names.filter((n) => IMAGE.test(n)).sort().slice(0, MAX_CALIBRATION_IMAGES);
  if (files.length === 0) throw new BenchError('ERROR_BAD_SETTINGS', `--calibrate: ${folder} holds no images (PNG, JPEG, WebP, TIFF, AVIF or GIF)`);
  const step = Math.max(1, fit.scale) * Math.max(1, fit.sizeMultiple);
  const photos: CalibrationPhoto[] = [];
  for (const name of files) {
    const bytes = await readFileReadOnly(join(folder, name));
    let image: RawImage;
    try {
      image = rgbOnly(await toRaw(sharp(bytes, { limitInputPixels: 100_000_000 }).rotate().toColourspace('srgb').removeAlpha()));
      if (!bundled) image = await cut(image);
    } catch (err) {
      if (err instanceof BenchError) throw err;
      throw new BenchError('ERROR_BAD_SETTINGS', `--calibrate: ${name} in ${folder} is not a readable image`);
    }
    const width = Math.floor(image.width / step) * step;
    const height = Math.floor(image.height / step) * step;
    if (width < 2 * step || height < 2 * step) {
      throw new BenchError('ERROR_BAD_SETTINGS', `--calibrate: ${name} is ${image.width}×${image.height}; calibration images need at least ${2 * step} px on each side for this x${fit.scale} model`);
    }
    photos.push({ name, image: width === image.width && height === image.height ? image : await crop(image, 0, 0, width, height) });
  }
  return { photos, source: bundled ? 'bundled' : folder };
}

async function cut(img: RawImage): Promise<RawImage> {
  const shrink = Math.min(img.width, img.height) >= 4 * CALIBRATION_SIZE;
  const small = shrink ? await toRaw(sharp(img.data, { raw: img }).resize(Math.round(img.width / 4), Math.round(img.height / 4), { kernel: 'lanczos3', fit: 'fill' })) : img;
  const w = Math.min(CALIBRATION_SIZE, small.width);
  const h = Math.min(CALIBRATION_SIZE, small.height);
  return crop(small, Math.floor((small.width - w) / 2), Math.floor((small.height - h) / 2), w, h);
}

const crop = (img: RawImage, left: number, top: number, width: number, height: number): Promise<RawImage> =>
  toRaw(sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } }).extract({ left, top, width, height }));
