import { BenchError } from '../../core/errors.js';
import { Command, Option } from 'commander';
import { basename, extname, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { downscale } from '../../core/image/downscale.js';
import { contentTypeFor, type StoreFormat } from '../../core/image/formats.js';
import { rawInput, resizeRaw } from '../../core/image/raw.js';
import { decodeImage, normaliseFormat, readFileReadOnly } from '../../core/image/read.js';
import { storeKey } from '../../core/pipeline/layout.js';
import { savedPercent } from '../../core/results/row.js';
import { createProvider } from '../../core/providers/registry.js';
import { createStore } from '../../core/stores/create-store.js';
import type { StoredImageInfo } from '../../core/stores/image-store.js';
import { addDownscaleOptions, addProviderOptions, addStoreOptions, type CommonOpts, downscaleFrom, int, providersFrom, storeFrom } from '../options.js';

const DEFAULT_STORE_DIR = 'upscale-bench-store';

interface StoreOpts extends CommonOpts {
  key?: string;
  storeDir: string;
}

/** The original API's "downscale and store one image". */
export function storeCommand(): Command {
  const cmd = new Command('store')
    .description('downscale one image and put it in the store; prints the key')
    .argument('<image>', 'image file')
    .option('--key <key>', 'store key (default: the file name)')
    .option('--store-dir <dir>', 'folder used by --store local', DEFAULT_STORE_DIR);
  addDownscaleOptions(cmd);
  addStoreOptions(cmd, '--store-dir');
  return cmd.action(async (image: string, o: StoreOpts) => {
    const bytes = await readFileReadOnly(image);
    const decoded = await decodeImage(bytes, o.maxPixels);
    const ds = await downscale(decoded.raw, decoded.format, downscaleFrom(o));
    const key = o.key ?? storeKey(basename(image), ds.format);
    const settings = downscaleFrom(o);
    const store = createStore(storeFrom(o), resolve(o.storeDir));
    const info = { originalWidth: decoded.raw.width, originalHeight: decoded.raw.height, ...(settings.fit ? {} : { factor: settings.factor }) };
    try {
      await store.put(key, ds.bytes, contentTypeFor(ds.format), undefined, info);
    } finally {
      store.destroy?.(); // an S3 client's open sockets would keep the command from exiting
    }
    process.stdout.write(
      JSON.stringify({
        key,
        location: store.locationOf(key),
        format: ds.format,
        width: decoded.raw.width,
        height: decoded.raw.height,
        stored_width: ds.width,
        stored_height: ds.height,
        original_bytes: bytes.length,
        stored_bytes: ds.bytes.length,
        saved_percent: savedPercent(bytes.length, ds.bytes.length),
        notes: [...decoded.notes, ...ds.notes],
      }) + '\n',
    );
  });
}

interface RetrieveOpts extends CommonOpts {
  output: string;
  storeDir: string;
  scale?: number;
}

/** The original API's "fetch by key and upscale": back to the original's size when the store recorded it. */
export function retrieveCommand(): Command {
  const cmd = new Command('retrieve')
    .description("fetch one stored image by key, upscale it and write it to a file (at the original's size when the store recorded it)")
    .argument('<key>', 'store key printed by `store`')
    .requiredOption('-o, --output <file>', 'where to write the upscaled image (.png, .jpg or .webp)')
    .option('--store-dir <dir>', 'folder used by --store local', DEFAULT_STORE_DIR)
    .addOption(
      new Option('--scale <n>', "output scale instead of the original's size (bicubic, lanczos, local-ai; default: the recorded original size, else 4)").argParser(
        int('--scale', 2, 8),
      ),
    );
  addProviderOptions(cmd, false);
  addStoreOptions(cmd, '--store-dir');
  return cmd.action(async (key: string, o: RetrieveOpts) => {
    if (o.provider.length !== 1) throw new BenchError('ERROR_BAD_SETTINGS', 'retrieve takes one --provider');
    const outFormat = formatForPath(o.output);
    const store = createStore(storeFrom(o), resolve(o.storeDir));
    try {
      const bytes = await store.get(key);
      const info = await store.info(key);
      const meta = await sharp(bytes).metadata();
      const width = meta.width ?? 0;
      const height = meta.height ?? 0;
      const plan = retrievePlan(key, { width, height }, info, o.scale);
      if (plan.message) process.stderr.write(`upscale-bench: ${plan.message}\n`);
      const [spec] = providersFrom(o);
      const provider = await createProvider(spec, { factor: plan.factor });
      try {
        const out = await provider.upscale({ bytes, format: normaliseFormat(meta.format) as StoreFormat, width, height, target: plan.target });
        let image = out.image;
        const notes = [...out.notes];
        if (image.width !== plan.target.width || image.height !== plan.target.height) {
          // e.g. an imported model of another scale, or a scale that does not land on the original's size
          notes.push(
            out.resizeReason
              ? `${out.resizeReason}: output ${image.width}×${image.height} resized with lanczos to ${plan.target.width}×${plan.target.height}`
              : `provider output ${image.width}×${image.height} resized to ${plan.target.width}×${plan.target.height}`,
          );
          image = await resizeRaw(image, plan.target.width, plan.target.height);
        }
        const img = sharp(image.data, rawInput(image));
        await writeFile(o.output, await (outFormat === 'png' ? img.png() : outFormat === 'jpeg' ? img.jpeg({ quality: 95 }) : img.webp({ quality: 95 })).toBuffer());
        process.stdout.write(
          JSON.stringify({
            key,
            output: resolve(o.output),
            provider: provider.name,
            model: provider.model,
            width: image.width,
            height: image.height,
            size_from: plan.sizeFrom,
            upscale_ms: Math.round(out.timing.busyMs),
            notes,
          }) + '\n',
        );
      } finally {
        await provider.dispose?.();
      }
    } finally {
      store.destroy?.();
    }
  });
}

interface RetrievePlan {
  /** What scale-following providers (local-ai) are built for. */
  factor: number;
  target: { width: number; height: number };
  sizeFrom: 'original' | 'scale' | 'default';
  message?: string;
}

/** The output size: the recorded original's, unless --scale says otherwise (and then we say so). */
export function retrievePlan(key: string, stored: { width: number; height: number }, info: StoredImageInfo | undefined, scale: number | undefined): RetrievePlan {
  const times = (s: number) => ({ width: stored.width * s, height: stored.height * s });
  const size = (t: { width: number; height: number }) => `${t.width}×${t.height}`;
  if (scale !== undefined) {
    const target = times(scale);
    const differs = info && (info.originalWidth !== target.width || info.originalHeight !== target.height);
    return {
      factor: scale,
      target,
      sizeFrom: 'scale',
      ...(differs ? { message: `--scale ${scale} overrides the original's size ${info.originalWidth}×${info.originalHeight}: writing ${size(target)}` } : {}),
    };
  }
  if (info) {
    const target = { width: info.originalWidth, height: info.originalHeight };
    // --fit copies have no single factor (their runs use the x4 models too); a factor-1 copy has no model of its own
    return { factor: Math.max(2, info.factor ?? 4), target, sizeFrom: 'original', message: `back to the original's size ${size(target)} (stored at ${size(stored)})` };
  }
  return {
    factor: 4,
    target: times(4),
    sizeFrom: 'default',
    message: `the store has no record of the original size of '${key}': upscaling x4 to ${size(times(4))} (--scale chooses another)`,
  };
}

function formatForPath(path: string): 'png' | 'jpeg' | 'webp' {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  throw new BenchError('ERROR_BAD_SETTINGS', '--output must end in .png, .jpg or .webp');
}
