import { open } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { BenchError } from '../errors.js';
import { type RawImage, toRaw } from './raw.js';

export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodedImage {
  /** Display-oriented pixels: RGB, or RGBA when the file has alpha. */
  raw: RawImage;
  format: string;
  fileBytes: number;
  /** Things an analyst should know about how the file was read (animation, bit depth, …). */
  notes: string[];
}

/** Reads a file without ever opening it for writing. */
export async function readFileReadOnly(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BenchError('ERROR_INPUT_MISSING', `file not found: ${path}`);
    if (code === 'EACCES' || code === 'EPERM') throw new BenchError('ERROR_INPUT_UNREADABLE', `permission denied: ${path}`);
    if (code === 'EISDIR') throw new BenchError('ERROR_INPUT_UNREADABLE', `is a folder, not a file: ${path}`);
    if (code === 'ELOOP') throw new BenchError('ERROR_INPUT_UNREADABLE', `symbolic link loop: ${path}`);
    throw new BenchError('ERROR_INPUT_UNREADABLE', `cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    return await handle.readFile();
  } catch (err) {
    throw new BenchError('ERROR_INPUT_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`);
  } finally {
    await handle.close();
  }
}

/** Header-only look at an image; refuses pixel bombs before anything is decoded. */
export async function probeImage(bytes: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<Metadata> {
  if (bytes.length === 0) throw new BenchError('ERROR_INPUT_EMPTY', 'file is empty (0 bytes)');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    if (looksLikeImage(bytes)) throw new BenchError('ERROR_IMAGE_CORRUPT', `image is damaged or truncated (${shortSharpMessage(err)})`);
    throw new BenchError('ERROR_NOT_AN_IMAGE', 'not an image: the contents are not PNG, JPEG, WebP, TIFF, AVIF or GIF, whatever the name says');
  }
  const { width, height } = meta;
  if (!width || !height) throw new BenchError('ERROR_NOT_AN_IMAGE', 'image has no dimensions');
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new BenchError(
      'ERROR_IMAGE_TOO_LARGE',
      `image is ${width}×${height} (${(pixels / 1e6).toFixed(1)} MP), above the ${(maxPixels / 1e6).toFixed(0)} MP limit; refused before decoding (raise --max-pixels to allow it)`,
    );
  }
  return meta;
}

export async function decodeImage(bytes: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<DecodedImage> {
  const meta = await probeImage(bytes, maxPixels);
  const notes: string[] = [];
  if ((meta.pages ?? 1) > 1) notes.push(`animated (${meta.pages} frames): first frame used`);
  if (meta.depth && meta.depth !== 'uchar' && meta.depth !== 'char') notes.push(`${depthBits(meta.depth)}-bit reduced to 8-bit`);
  if (meta.space === 'cmyk') notes.push('CMYK converted to sRGB');
  if (meta.orientation && meta.orientation > 1) notes.push(`EXIF orientation ${meta.orientation} applied`);
  let raw: RawImage;
  try {
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate().toColourspace('srgb');
    raw = await toRaw(meta.hasAlpha ? pipeline.ensureAlpha() : pipeline.removeAlpha());
  } catch (err) {
    throw new BenchError('ERROR_IMAGE_CORRUPT', `image is damaged or truncated (${shortSharpMessage(err)})`);
  }
  return { raw, format: normaliseFormat(meta.format), fileBytes: bytes.length, notes };
}

/** Magic numbers of the formats we read, to tell "damaged image" from "not an image". */
function looksLikeImage(b: Buffer): boolean {
  const ascii = (from: number, to: number) => b.subarray(from, to).toString('latin1');
  return (
    (b[0] === 0xff && b[1] === 0xd8) ||
    ascii(0, 4) === '\x89PNG' ||
    ascii(0, 4) === 'GIF8' ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') ||
    ascii(0, 4) === 'II*\0' ||
    ascii(0, 4) === 'MM\0*' ||
    (ascii(4, 8) === 'ftyp' && /avi[fs]|heic|mif1/.test(ascii(8, 12)))
  );
}

function depthBits(depth: string): number {
  return { ushort: 16, short: 16, uint: 32, int: 32, float: 32, double: 64 }[depth] ?? 16;
}

export function normaliseFormat(format: string | undefined): string {
  if (format === 'jpg') return 'jpeg';
  if (format === 'heif') return 'avif';
  return format ?? 'unknown';
}

export function shortSharpMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].replace(/^Input (buffer|file) /, '').trim();
}
