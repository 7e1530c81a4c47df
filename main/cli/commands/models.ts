import { Command } from 'commander';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_MODELS, type Precision } from '../../core/models/catalog.js';
import { onnxFileName } from '../../core/models/model-files.js';
import { modelsDir } from '../../core/paths.js';

export function modelsCommand(): Command {
  return new Command('models').description('list the local AI models (local-ai provider) with scales, sizes and speed').action(() => {
    const dir = modelsDir();
    const sizes = (name: string, scales: readonly number[], precision: Precision) =>
      scales
        .map((s) => {
          const st = statSync(join(dir, onnxFileName(name, s, precision)), { throwIfNoEntry: false });
          return `x${s} ${st ? `${(st.size / 1e6).toFixed(1)} MB` : 'not built'}`;
        })
        .join(', ');
    process.stdout.write(`local models in ${dir} (speed: output megapixels/s at x4 on 2 cores)\n`);
    for (const [name, m] of Object.entries(LOCAL_MODELS)) {
      process.stdout.write(`${name.padEnd(7)} ${sizes(name, m.scales, 'fp32')}  ~${m.mpsX4} MP/s  ${m.summary}\n`);
      if ('int8' in m) process.stdout.write(`${''.padEnd(7)} --precision int8: ${sizes(name, m.scales, 'int8')}  ~${m.int8.mpsX4} MP/s  ${m.int8.summary}\n`);
    }
  });
}
