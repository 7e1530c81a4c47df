import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyNcnn } from './helpers/tiny-models.js';
import { fixture } from './helpers/images.js';

// The CLI as a user runs it (compiled dist/), with its model library in a temp folder.
const BIN = fileURLToPath(new URL('../bin/upscale-bench.js', import.meta.url));
let work: string;
let library: string;
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, UPSCALE_BENCH_MODELS: library }, timeout: 240_000 });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-models-'));
  library = join(work, 'library');
  await writeTinyNcnn(work, 'Tiny Net x2');
  await cp(fixture('photos', 'chelsea.png'), join(work, 'photos', 'chelsea.png'));
});

describe('upscale-bench models', () => {
  it('add prints what it found; the model then lists, runs by name, and removes', async () => {
    const add = cli(['models', 'add', join(work, 'Tiny Net x2.param')]);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^added 'Tiny-Net-x2' in [\d.]+ s; use it with --model Tiny-Net-x2\n/);
    expect(add.stdout).toMatch(/ {2}architecture +ncnn.*\n/);
    expect(add.stdout).toMatch(/ {2}scale +x2\n/);
    expect(add.stdout).toMatch(/ {2}parameters +[\d,]+\n/);
    expect(add.stdout).toMatch(/ {2}speed +~[\d.e-]+ MP\/s out on this CPU \(timed at import on a 64×64 tile, .*thread.*; runs refine it\)\n/);
    expect(add.stdout).toMatch(/ {2}sha256 +[0-9a-f]{64}\n/);
    expect(add.stdout).toMatch(/ {2}licence +unknown/);

    const again = cli(['models', 'add', join(work, 'Tiny Net x2.param')]);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe("upscale-bench: a model named 'Tiny-Net-x2' is already in the library; use --force to replace it, or another --name\n");
    const forced = cli(['models', 'add', join(work, 'Tiny Net x2.param'), '--force', '--json']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ name: 'Tiny-Net-x2', scale: 2, sourceFormat: 'ncnn', ms: expect.any(Number) });

    const list = cli(['models']);
    // built-in and imported models in one list, each with its builds
    expect(list.stdout).toMatch(/^thick +built-in +RRDN \(ESRGAN\) x2 x3 x4 x8 +licence: MIT\n.*most faithful.*\n +fp32: [\d.]+ MB, 0\.15 MP\/s out at x4 \(reference machine\)\n +--precision int8: [\d.]+ MB, 0\.22 MP\/s out at x4/m);
    expect(list.stdout).toMatch(/^Tiny-Net-x2 +imported +ncnn.* x2 +licence: unknown.*\n.*\n +fp32: [\d.]+ (B|kB|MB), [\d.e-]+ MP\/s out at x2 \(this machine\)\n/m);
    expect(JSON.parse(cli(['models', 'list', '--json']).stdout)).toHaveLength(4);
    const json = JSON.parse(cli(['models', '--json']).stdout) as { name: string; kind: string; scales: number[]; sha256?: string }[];
    expect(json.map((m) => `${m.name}:${m.kind}`)).toEqual(['thick:built-in', 'medium:built-in', 'slim:built-in', 'Tiny-Net-x2:imported']);
    expect(json[3]).toMatchObject({ scales: [2], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const run = cli(['run', join(work, 'photos'), '--model', 'Tiny-Net-x2', '--factor', '4', '--out', join(work, 'run')]);
    expect(run.status, run.stderr).toBe(0);
    const [row] = parse(readFileSync(join(work, 'run', 'testResults.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect([row.status, row.model, row.notes]).toEqual(['ok', 'Tiny-Net-x2 x2', 'model is x2, run factor 4: output 226×150 resized with lanczos to 451×300']);

    // retrieve: the asked --scale, the model at its own, resized after
    expect(cli(['store', join(work, 'photos', 'chelsea.png'), '--key', 'c.png', '--store-dir', 'st']).status).toBe(0);
    const back = cli(['retrieve', 'c.png', '-o', join(work, 'back.png'), '--store-dir', 'st', '--model', 'Tiny-Net-x2', '--scale', '4']);
    expect(back.status, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ model: 'Tiny-Net-x2 x2', notes: [expect.stringMatching(/^model is x2, run factor 4: output 226×150 resized with lanczos to/)] });

    const rm = cli(['models', 'remove', 'Tiny-Net-x2']);
    expect(rm.status, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(/^removed 'Tiny-Net-x2' \(ncnn.* x2, [\d.]+ (B|kB|MB)\)\n$/);
    expect(await readdir(library)).toEqual([]);
  });

  it.each([
    ['a text file named .pth', 'notes.pth', 'these are notes', /^upscale-bench: not a model: notes\.pth is none of the known formats/],
    ['an empty file', 'empty.safetensors', '', /^upscale-bench: not a model: empty\.safetensors is empty \(0 bytes\)/],
    ['an ncnn .param without its .bin', 'lonely.param', '7767517\n1 1\nInput data 0 1 data\n', /^upscale-bench: the ncnn weights are missing: lonely\.bin must sit beside lonely\.param/],
  ])('refuses %s with one line and exit 2, library unchanged', async (_what, name, content, message) => {
    await writeFile(join(work, name), content);
    const r = cli(['models', 'add', join(work, name)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await readdir(library).catch(() => [])).toEqual([]);
  });

  it('refuses a missing file, a bad name, an unknown model and a built-in removal with exit 2', () => {
    for (const [args, message] of [
      [['models', 'add', join(work, 'nope.pth')], /^upscale-bench: file not found: .*nope\.pth\n$/],
      [['models', 'add', join(work, 'Tiny Net x2.param'), '--name', '../evil'], /^upscale-bench: '\.\.\/evil' is not a usable model name/],
      [['models', 'add', join(work, 'Tiny Net x2.param'), '--name', 'thick'], /^upscale-bench: 'thick' is a built-in model's name/],
      [['models', 'remove', 'thick'], /^upscale-bench: no imported model named 'thick' \(built-in models cannot be removed\)\n$/],
      [['run', join(work, 'photos'), '--model', 'nope'], /^upscale-bench: unknown local model 'nope': not built in/],
    ] as const) {
      const r = cli([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
