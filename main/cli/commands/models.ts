import { Command } from 'commander';
import { LOCAL_MODELS } from '../../core/models/catalog.js';

export function modelsCommand(): Command {
  return new Command('models').description('list the local AI models (local-ai provider)').action(() => {
    for (const [name, m] of Object.entries(LOCAL_MODELS)) {
      process.stdout.write(`${name.padEnd(7)} scales ${m.scales.map((s) => `x${s}`).join(' ')}  ${m.summary}\n`);
    }
  });
}
