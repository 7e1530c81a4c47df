import sharp, { type Sharp, type KernelEnum } from 'sharp';

/** Interleaved 8-bit pixels, as sharp's `.raw()` gives them. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export function rawInput(img: RawImage) {
  return { raw: { width: img.width, height: img.height, channels: img.channels } } as const;
}

export async function toRaw(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
}

/** Drops alpha (scores compare colour, not transparency). */
export function rgbOnly(img: RawImage): RawImage {
  if (img.channels === 3) return img;
  if (img.channels === 1) {
    const out = Buffer.allocUnsafe(img.width * img.height * 3);
    for (let i = 0, j = 0; i < img.data.length; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = img.data[i];
    return { data: out, width: img.width, height: img.height, channels: 3 };
  }
  const n = img.width * img.height;
  const out = Buffer.allocUnsafe(n * 3);
  for (let i = 0, s = 0, d = 0; i < n; i++, s += 4, d += 3) {
    out[d] = img.data[s];
    out[d + 1] = img.data[s + 1];
    out[d + 2] = img.data[s + 2];
  }
  return { data: out, width: img.width, height: img.height, channels: 3 };
}

/** Resizes raw pixels to an exact size (used to bring a candidate to the original's size). */
export async function resizeRaw(img: RawImage, width: number, height: number, kernel: keyof KernelEnum = 'lanczos3'): Promise<RawImage> {
  if (img.width === width && img.height === height) return img;
  return toRaw(sharp(img.data, rawInput(img)).resize(width, height, { fit: 'fill', kernel }));
}
