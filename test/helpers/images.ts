import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import sharp from 'sharp';
import { type RawImage, toRaw } from '../../main/core/image/raw.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

export async function readRgb(path: string): Promise<RawImage> {
  return toRaw(sharp(path).removeAlpha().toColourspace('srgb'));
}
