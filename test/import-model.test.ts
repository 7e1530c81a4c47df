import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addModelFile, importModelFile, importModelFileInWorker, onnxMetadata } from '../main/core/models/import/import-model.js';
import { ModelImportError, type StateDict } from '../main/core/models/import/state-dict.js';
import { ModelLibrary } from '../main/core/models/library.js';
import { syntheticCompact } from '../scripts/synthetic-models.js';
import { fixture } from './helpers/images.js';
import { writeTinyNcnn } from './helpers/tiny-models.js';

/** A .safetensors file as the format defines it: 8-byte header length, JSON header, row-major F32 data. */
function safetensors(sd: StateDict, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [k, t] of sd) {
    header[k] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...[...sd.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]);
}

/** Appends ModelProto.metadata_props (field 14) entries; protobuf readers accept fields in any order. */
function withOnnxMetadata(onnx: Buffer, props: Record<string, string>): Buffer {
  const str = (no: number, s: string) => {
    const b = Buffer.from(s);
    return Buffer.concat([Buffer.from([(no << 3) | 2, b.length]), b]);
  };
  return Buffer.concat([onnx, ...Object.entries(props).map(([k, v]) => {
    const entry = Buffer.concat([str(1, k), str(2, v)]);
    return Buffer.concat([Buffer.from([(14 << 3) | 2, entry.length]), entry]);
  })]);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'import-model-'));
});

describe('importModelFile', () => {
  it('reads a .safetensors Compact model: architecture, scale, sha256 of the file, licence from its metadata', async () => {
    const bytes = safetensors(syntheticCompact({ convs: 2, features: 8, scale: 2 }), { license: 'BSD-3-Clause', author: 'someone' });
    const file = join(dir, 'compact.safetensors');
    await writeFile(file, bytes);
    const stages: string[] = [];
    const r = await importModelFile(file, { onProgress: (p) => stages.push(p.stage) });
    expect(r.descriptor).toMatchObject({ architecture: 'Real-ESRGAN Compact', scale: 2, sourceFormat: 'safetensors' });
    expect(r).toMatchObject({ sha256: sha(bytes), license: 'BSD-3-Clause', sourceFile: 'compact.safetensors', sourceBytes: bytes.length });
    expect(stages).toEqual(['reading', 'converting', 'checking']);
    // timed at import on a 64 px tile with the runs' threads: a speed, not a guess
    expect(r.speed).toMatchObject({ side: 64, workers: expect.any(Number), threadsEach: expect.any(Number) });
    expect(r.speed!.mpsOut).toBeGreaterThan(0);
  });

  it('takes the format from the bytes, not the name', async () => {
    const file = join(dir, 'weights.pth'); // a safetensors file misnamed
    await writeFile(file, safetensors(syntheticCompact({ convs: 1, features: 4, scale: 2 })));
    expect((await importModelFile(file)).descriptor.sourceFormat).toBe('safetensors');
    const noLicence = await importModelFile(file);
    expect(noLicence.license).toBeUndefined();
  });

  it('reads the licence from ONNX metadata_props', async () => {
    const onnx = withOnnxMetadata(await readFile(fixture('onnx-import', 'compact-x2-static.onnx')), { licence: 'CC0-1.0' });
    expect(onnxMetadata(new Uint8Array(onnx))).toEqual({ licence: 'CC0-1.0' });
    const file = join(dir, 'net.onnx');
    await writeFile(file, onnx);
    expect(await importModelFile(file)).toMatchObject({ license: 'CC0-1.0', descriptor: { sourceFormat: 'onnx', scale: 2 } });
  });

  it('an ncnn pair is found from either half; its sha256 covers .param then .bin', async () => {
    const param = await writeTinyNcnn(dir, 'pair');
    const both = Buffer.concat([await readFile(param), await readFile(join(dir, 'pair.bin'))]);
    for (const f of [param, join(dir, 'pair.bin')]) {
      const r = await importModelFile(f);
      expect(r).toMatchObject({ sha256: sha(both), descriptor: { sourceFormat: 'ncnn', scale: 2 } });
    }
  });

  it('adding an ESRGAN splits it into the body and head a run uses; a Compact is remembered as one stage', async () => {
    const lib = new ModelLibrary(join(dir, 'lib-stages'));
    const rrdb = await addModelFile(fixture('models', 'rrdb-realesrgan-x4.pth'), { library: lib });
    const folder = join(lib.dir, rrdb.entry.name, 'stages');
    expect((await readdir(folder)).sort()).toEqual(['body.onnx', 'head.onnx', 'stages.json']);
    expect(JSON.parse(await readFile(join(folder, 'stages.json'), 'utf8')).facts).toMatchObject({ featureStride: 1, headScale: 4, headOverlap: 3 });
    const file = join(dir, 'compact.safetensors');
    await writeFile(file, safetensors(syntheticCompact({ convs: 2, features: 8, scale: 2 })));
    const compact = await addModelFile(file, { library: lib });
    const record = JSON.parse(await readFile(join(lib.dir, compact.entry.name, 'stages', 'stages.json'), 'utf8'));
    expect(record.reason).toMatch(/head reads the input/);
  });

  it('a truncated file is a one-line error, and the library is unchanged', async () => {
    const bytes = safetensors(syntheticCompact({ convs: 2, features: 8, scale: 2 }));
    const file = join(dir, 'cut.safetensors');
    await writeFile(file, bytes.subarray(0, bytes.length - 100));
    const lib = new ModelLibrary(join(dir, 'lib-a'));
    const err = await addModelFile(file, { library: lib }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelImportError);
    expect((err as Error).message).not.toContain('\n');
    expect(await lib.list()).toEqual([]);
    expect(await readdir(lib.dir).catch(() => [])).toEqual([]);
  });

  it('refuses a taken name before converting, and stops when aborted', async () => {
    const lib = new ModelLibrary(join(dir, 'lib-b'));
    const param = await writeTinyNcnn(dir, 'taken');
    const added = await addModelFile(param, { library: lib });
    // the import-time speed is the entry's measured speed until a run records its own
    expect(added.entry.measured).toMatchObject({ mpsOut: added.speed!.mpsOut, at: expect.any(String) });
    expect((await lib.find('taken'))?.measured?.mpsOut).toBe(added.speed!.mpsOut);
    const stages: string[] = [];
    await expect(addModelFile(param, { library: lib, onProgress: (p) => stages.push(p.stage) })).rejects.toThrow(/already in the library/);
    expect(stages).toEqual([]);
    const ac = new AbortController();
    ac.abort();
    await expect(addModelFile(param, { library: lib, name: 'other', signal: ac.signal })).rejects.toThrow(/cancelled/);
    expect((await lib.list()).map((e) => e.name)).toEqual(['taken']);
  });

  it('imports the same in a worker thread, with progress, its errors intact, and abort', async () => {
    const param = await writeTinyNcnn(dir, 'in-worker');
    const stages: string[] = [];
    const a = await importModelFileInWorker(param, { onProgress: (p) => stages.push(p.stage) });
    const b = await importModelFile(param);
    expect(a.sha256).toBe(b.sha256);
    expect(a.descriptor).toEqual(b.descriptor);
    expect(Buffer.from(a.onnx).equals(Buffer.from(b.onnx))).toBe(true);
    expect(stages).toEqual(['reading', 'converting', 'checking']);
    await writeFile(join(dir, 'text.pth'), 'hello');
    const err = await importModelFileInWorker(join(dir, 'text.pth')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelImportError);
    expect(err).toMatchObject({ code: 'ERROR_NOT_A_MODEL', message: expect.stringMatching(/^not a model: text\.pth/) });
    const ac = new AbortController();
    const pending = importModelFileInWorker(param, { signal: ac.signal });
    ac.abort();
    await expect(pending).rejects.toThrow(/cancelled/);
  });

  it('never writes to the file it reads', async () => {
    const file = join(dir, 'ro.onnx');
    await cp(fixture('onnx-import', 'compact-x2-static.onnx'), file);
    const { chmod, stat } = await import('node:fs/promises');
    await chmod(file, 0o444);
    const before = await stat(file);
    await importModelFile(file);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  });
});
