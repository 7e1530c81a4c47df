/**
 * `npm run dev`: Vite's dev server for the renderer plus Electron pointed at it (needs the Electron
 * binary, i.e. a machine that could download it). Main and preload are rebuilt once at start.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync('npm', ['run', 'build:node'], { cwd: root, stdio: 'inherit' });
execFileSync('npm', ['run', 'build:preload'], { cwd: root, stdio: 'inherit' });
const server = await createServer({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), server: { host: '127.0.0.1', port: 5173, strictPort: false } });
await server.listen();
const url = server.resolvedUrls!.local[0];
const electronPath = createRequire(import.meta.url)('electron') as unknown as string;
const child = spawn(electronPath, ['.'], { cwd: root, stdio: 'inherit', env: { ...process.env, VITE_DEV_SERVER_URL: url } });
child.on('exit', async (code) => {
  await server.close();
  process.exit(code ?? 0);
});
