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
    const store = createStore(storeFrom(o), resolve(o.storeDir));
    await store.put(key, ds.bytes, contentTypeFor(ds.format));
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
  scale: number;
}

/** The original API's "fetch by key and upscale". */
export function retrieveCommand(): Command {
  const cmd = new Command('retrieve')
    .description('fetch one stored image by key, upscale it and write it to a file')
    .argument('<key>', 'store key printed by `store`')
    .requiredOption('-o, --output <file>', 'where to write the upscaled image (.png, .jpg or .webp)')
    .option('--store-dir <dir>', 'folder used by --store local', DEFAULT_STORE_DIR)
    .addOption(new Option('--scale <n>', 'output scale for providers that take any (bicubic, lanczos, local-ai)').argParser(int('--scale', 2, 8)).default(4));
  addProviderOptions(cmd, false);
  addStoreOptions(cmd, '--store-dir');
  return cmd.action(async (key: string, o: RetrieveOpts) => {
    if (o.provider.length !== 1) throw new BenchError('ERROR_BAD_SETTINGS', 'retrieve takes one --provider');
    const outFormat = formatForPath(o.output);
    const store = createStore(storeFrom({ ...o, factor: String(o.scale) } as CommonOpts), resolve(o.storeDir));
    const bytes = await store.get(key);
    const meta = await sharp(bytes).metadata();
    const [spec] = providersFrom(o);
    const provider = await createProvider(spec, { factor: o.scale, threads: 0 });
    try {
      const scale = provider.scaleFor(o.scale) ?? o.scale;
      const width = meta.width ?? 0;
      const height = meta.height ?? 0;
      const t0 = Date.now();
      const out = await provider.upscale({
        bytes,
        format: normaliseFormat(meta.format) as StoreFormat,
        width,
        height,
        target: { width: width * scale, height: height * scale },
      });
      // An imported model of another scale ran at its own: its output is resized to the asked scale.
      const target = { width: width * scale, height: height * scale };
      let image = out.image;
      if (image.width !== target.width || image.height !== target.height) {
        out.notes.push(`${out.resizeReason ?? 'provider output'}: output ${image.width}×${image.height} resized with lanczos to ${target.width}×${target.height}`);
        image = await resizeRaw(image, target.width, target.height);
      }
      const img = sharp(image.data, rawInput(image));
      await writeFile(o.output, await (outFormat === 'png' ? img.png() : outFormat === 'jpeg' ? img.jpeg({ quality: 95 }) : img.webp({ quality: 95 })).toBuffer());
      process.stdout.write(
        JSON.stringify({ key, output: resolve(o.output), provider: provider.name, model: provider.model, width: image.width, height: image.height, upscale_ms: Date.now() - t0, notes: out.notes }) + '\n',
      );
    } finally {
      await provider.dispose?.();
    }
  });
}

function formatForPath(path: string): 'png' | 'jpeg' | 'webp' {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  throw new BenchError('ERROR_BAD_SETTINGS', '--output must end in .png, .jpg or .webp');
}
