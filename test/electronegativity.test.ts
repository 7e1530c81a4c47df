import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);

interface Issue {
  id: string;
  file: string;
  location: { line: number };
  severity: { name: string };
  confidence: { name: string };
}

describe('Electronegativity', () => {
  it('finds no HIGH or MEDIUM issue in main/, preload/ and renderer/', async () => {
    // One tree holding the three folders, so global checks (CSP, navigation, permissions) see the whole app.
    const tree = await mkdtemp(join(tmpdir(), 'eneg-'));
    for (const dir of ['main', 'preload', 'renderer']) await cp(join(ROOT, dir), join(tree, dir), { recursive: true });
    const electronVersion = (require(join(ROOT, 'node_modules', 'electron', 'package.json')) as { version: string }).version;
    await writeFile(join(tree, 'package.json'), JSON.stringify({ name: 'scan', devDependencies: { electron: electronVersion } }));
    const scan = require('@doyensec/electronegativity') as (o: object, cli: boolean) => Promise<{ issues: Issue[] }>;
    // AvailableSecurityFixes fetches Electron's release list from GitHub ("No connectivity?" offline), and for
    // Electron as a devDependency it only ever reports INFORMATIONAL, which this test does not judge.
    const run = (o: object, cli: boolean) => scan({ ...o, excludeFromScan: ['AvailableSecurityFixesGlobalCheck'] }, cli);
    const result = await run({ input: tree, isRelative: true, electronVersionOverride: electronVersion }, false);
    const serious = result.issues
      .filter((i) => i.severity.name === 'HIGH' || i.severity.name === 'MEDIUM')
      .map((i) => `${i.severity.name} ${i.id} ${i.file}:${i.location.line}`);
    expect(serious).toEqual([]);

    // and the same scan does catch a bad window when one is planted in the tree
    await writeFile(
      join(tree, 'main', 'electron', 'planted.ts'),
      "import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });\n",
    );
    const planted = await run({ input: tree, isRelative: true, electronVersionOverride: electronVersion }, false);
    expect(planted.issues.filter((i) => i.file.includes('planted') && i.severity.name === 'HIGH').length).toBeGreaterThan(0);
  }, 240_000);
});
