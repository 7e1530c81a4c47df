/** `npm run web`: the whole app in your browser on 127.0.0.1 (see scripts/web-bridge.ts). */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { startWebBridge } from './web-bridge.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = fileURLToPath(new URL('..', import.meta.url));
if (!process.argv.includes('--no-build')) execFileSync('npm', ['run', 'build:renderer'], { cwd: root, stdio: 'inherit' });
const userDataDir = join(homedir(), '.upscale-bench-web');
const resultsRoot = join(homedir(), 'Upscale Bench');
await mkdir(userDataDir, { recursive: true });
const bridge = await startWebBridge({ rendererDir: join(root, 'dist', 'renderer'), userDataDir, resultsRoot });
console.log(`Upscale Bench (browser bridge) at ${bridge.url}\nRuns are saved under ${resultsRoot}. Stops after an idle hour; Ctrl-C to stop now.`);
process.on('SIGINT', () => void bridge.close().then(() => process.exit(0)));
