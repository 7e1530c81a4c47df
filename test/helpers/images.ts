import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import sharp from 'sharp';
import { type RawImage, toRaw } from '../../main/core/image/raw.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

export async function readRgb(path: string): Promise<RawImage> {
  return toRaw(sharp(path).removeAlpha().toColourspace('srgb'));
}

/** A committed pair and its scores from OpenCV 4.6 and scikit-image (scripts/reference). */
export interface ReferencePair {
  a: string;
  b: string;
  /** null where ORB is undefined (no keypoints in an image, or no matches). */
  orb: number | null;
  /** Keypoints OpenCV's ORB finds in a. */
  orb_keypoints: number;
  psnr: number | 'inf';
  ssim: number;
}

/** The committed reference pairs, by name (entries that are notes, not pairs, left out). */
export function referencePairs(): [string, ReferencePair][] {
  const all = JSON.parse(readFileSync(fixture('pairs', 'reference.json'), 'utf8')) as Record<string, ReferencePair | string>;
  return Object.entries(all).filter((e): e is [string, ReferencePair] => typeof e[1] === 'object');
}
