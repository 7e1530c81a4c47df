import { Command, CommanderError } from 'commander';
import { BenchError } from '../core/errors.js';
import { ModelImportError } from '../core/models/import/state-dict.js';
import { VERSION } from '../core/version.js';
import { makeCsvCommand } from './commands/make-csv.js';
import { modelsCommand } from './commands/models.js';
import { runCommand } from './commands/run.js';
import { scoreCommand } from './commands/score.js';
import { sweepCommand } from './commands/sweep.js';
import { retrieveCommand, storeCommand } from './commands/store-retrieve.js';

// SDK versions are pinned in the lockfile; its Node 22 notice is not the analyst's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function buildProgram(): Command {
  const program = new Command('upscale-bench')
    .description('Does downscale-before-store plus AI upscale-on-retrieval pay for your images? Bytes saved vs ORB, PSNR and SSIM.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const cmd of [runCommand(), sweepCommand(), makeCsvCommand(), storeCommand(), retrieveCommand(), scoreCommand(), modelsCommand()]) {
    program.addCommand(cmd.exitOverride().showHelpAfterError('(add --help for usage)'));
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version "errors" are successes; everything else is a bad invocation
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof BenchError) {
      process.stderr.write(`upscale-bench: ${err.message}\n`);
      return err.code === 'ERROR_BAD_SETTINGS' ? 2 : 1;
    }
    if (err instanceof ModelImportError) {
      // A file that is not a usable model is a bad argument: one line naming the problem, exit 2.
      process.stderr.write(`upscale-bench: ${err.message}\n`);
      return 2;
    }
    if ((err as { code?: string })?.code === 'commander.invalidArgument') {
      process.stderr.write(`upscale-bench: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`upscale-bench: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
