import { Command } from 'commander';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_MODELS } from '../../core/models/catalog.js';
import { onnxFileName } from '../../core/models/model-files.js';
import { modelsDir } from '../../core/paths.js';

export function modelsCommand(): Command {
  return new Command('models').description('list the local AI models (local-ai provider) with scales, sizes and speed').action(() => {
    const dir = modelsDir();
    process.stdout.write(`local models in ${dir} (speed: output megapixels/s at x4 on 2 cores)\n`);
    for (const [name, m] of Object.entries(LOCAL_MODELS)) {
      const sizes = m.scales.map((s) => {
        const st = statSync(join(dir, onnxFileName(name, s)), { throwIfNoEntry: false });
        return `x${s} ${st ? `${(st.size / 1e6).toFixed(1)} MB` : 'not built'}`;
      });
      process.stdout.write(`${name.padEnd(7)} ${sizes.join(', ')}  ~${m.mpsX4} MP/s  ${m.summary}\n`);
    }
  });
}
