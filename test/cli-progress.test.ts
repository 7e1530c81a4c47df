import { spawnSync } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { fixture } from './helpers/images.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-progress-'));
  await cp(fixture('photos', 'chelsea.png'), join(work, 'chelsea.png'));
});

/** The bar's frames as a terminal would draw them: cli-progress starts each one at column 1. */
function frames(captured: string): string[] {
  // eslint-disable-next-line no-control-regex
  return captured.split('\x1b[1G').map((f) => f.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '').replace(/\r?\n.*$/s, ''));
}

describe('the CLI progress bar on a terminal', () => {
  it('says "–" until the first tile, then an ETA with its unit that moves as the tiles of one image finish', () => {
    // script(1) gives the CLI a pseudo-terminal, as a user's shell does; thick in 32 px tiles is slow enough to watch
    const command = `stty cols 200; exec '${process.execPath}' '${BIN}' run chelsea.png --tile-size 32 --concurrency 1 --out out`;
    const r = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: work, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^run: 1 image \(local-ai\); estimated .*\d+ (s|min|h)\b/m);
    const bars = frames(r.stdout)
      .map((f) => /(\d+)\/1 images \| [\d.]+\/min \| ETA (.+?) \| .*?(?:upscale (\d+)\/(\d+))?\s*$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ done: Number(m[1]), eta: m[2], tile: m[3] === undefined ? null : Number(m[3]) }));
    const firstTile = bars.findIndex((b) => (b.tile ?? 0) >= 1);
    expect(firstTile).toBeGreaterThan(0);
    // nothing to base an estimate on before a tile has finished
    expect(bars.slice(0, firstTile).map((b) => b.eta)).toEqual(bars.slice(0, firstTile).map(() => '–'));
    const during = bars.filter((b) => b.done === 0 && b.tile !== null && b.tile >= 1);
    for (const b of during) expect(b.eta).toMatch(/^(\d+s|\d+m \d\ds|\d+h \d\dm)$/);
    // one image, so every change is within it: the estimate is redone as its tiles finish
    expect(new Set(during.map((b) => b.tile)).size).toBeGreaterThan(2);
    expect(new Set(during.map((b) => b.eta)).size).toBeGreaterThan(2);
    expect(bars.at(-1)).toMatchObject({ done: 1, eta: '–' });
  }, 240_000);
});
