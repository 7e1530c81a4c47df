/**
 * Writes test/fixtures/corpus/: odd and hostile inputs, each with the row the pipeline must give it
 * (expected.json). Run once with `node --import tsx scripts/reference/make-corpus.ts`; the files are
 * committed so the tests do not depend on this script's sharp version.
 */
import { writeFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';

const out = new URL('../../test/fixtures/corpus/', import.meta.url).pathname;
await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'odd names'), { recursive: true });
const photo = new URL('../../test/fixtures/photos/chelsea.png', import.meta.url).pathname;
const base = sharp(photo).resize(96, 64);
const expected: Record<string, { status: 'ok' | 'error'; code?: string; error?: RegExp | string; note?: string }> = {};
const put = async (name: string, data: Buffer | Promise<Buffer>, exp: (typeof expected)[string]) => {
  await writeFile(join(out, name), await data);
  expected[name] = exp;
};

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose header claims 50000×50000 but whose data is a few hundred bytes: a decompression bomb. */
function bombPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(50000, 0);
  ihdr.writeUInt32BE(50000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc(4 * 50001); // a few rows of zeros; the rest would inflate to 2.5 GB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const good = await base.clone().png().toBuffer();
await put('zero-bytes.jpg', Buffer.alloc(0), { status: 'error', code: 'ERROR_INPUT_EMPTY', error: 'file is empty (0 bytes)' });
await put('text-named.jpg', Buffer.from('this is not an image\n'), { status: 'error', code: 'ERROR_NOT_AN_IMAGE' });
await put('html-named.png', Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'), { status: 'error', code: 'ERROR_NOT_AN_IMAGE' });
await put('truncated.jpg', readFile('/usr/lib/python3/dist-packages/skimage/data/truncated.jpg'), { status: 'error', code: 'ERROR_IMAGE_CORRUPT' });
await put('truncated.png', good.subarray(0, Math.floor(good.length / 2)), { status: 'error', code: 'ERROR_IMAGE_CORRUPT' });
await put('bomb-50000x50000.png', bombPng(), { status: 'error', code: 'ERROR_IMAGE_TOO_LARGE', error: '50000×50000' });
await put('cmyk.jpg', base.clone().toColourspace('cmyk').jpeg().toBuffer(), { status: 'ok', note: 'CMYK converted to sRGB' });
await put('sixteen-bit.png', base.clone().toColourspace('rgb16').png().toBuffer(), { status: 'ok', note: '16-bit reduced to 8-bit' });
await put('grey.png', base.clone().greyscale().png().toBuffer(), { status: 'ok' });
await put('palette.png', base.clone().png({ palette: true, colours: 16 }).toBuffer(), { status: 'ok' });
await put('alpha.png', base.clone().ensureAlpha(0.5).png().toBuffer(), { status: 'ok' });
await put('exif-rotated.jpg', base.clone().jpeg().withMetadata({ orientation: 6 }).toBuffer(), { status: 'ok', note: 'EXIF orientation 6 applied' });
await put(
  'animated.gif',
  sharp(Buffer.concat([await base.clone().raw().toBuffer(), await base.clone().negate().raw().toBuffer()]), { raw: { width: 96, height: 128, channels: 3, pageHeight: 64 } })
    .gif({ loop: 0, delay: [100, 100] })
    .toBuffer(),
  { status: 'ok', note: 'animated (2 frames): first frame used' },
);
await put('one-pixel.png', sharp({ create: { width: 1, height: 1, channels: 3, background: '#c08040' } }).png().toBuffer(), { status: 'ok', note: 'too small for SSIM' });
await put('smaller-than-factor.png', sharp({ create: { width: 3, height: 2, channels: 3, background: '#406080' } }).png().toBuffer(), { status: 'ok' });
await put('extreme-aspect.png', base.clone().resize(1600, 8, { fit: 'fill' }).png().toBuffer(), { status: 'ok', note: 'too small for SSIM' });
await put('odd names/ünïcødé name ✓.png', base.clone().png().toBuffer(), { status: 'ok' });
await put('=HYPERLINK(evil) +1.jpg', base.clone().jpeg().toBuffer(), { status: 'ok' });
await writeFile(join(out, 'expected.json'), JSON.stringify(expected, (_k, v) => (v instanceof RegExp ? v.source : v), 2) + '\n');
console.log(`wrote ${Object.keys(expected).length} corpus files to ${out}`);
