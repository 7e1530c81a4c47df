import { Command } from 'commander';
import { resolve } from 'node:path';
import { BenchError } from '../../core/errors.js';
import { CsvExistsError, makeCsv } from '../../core/inputs/make-csv.js';
import { plural } from '../../core/plural.js';

export function makeCsvCommand(): Command {
  return new Command('make-csv')
    .description('list the images in a folder (recursively) as a CSV with an image_path column, paths relative to the CSV')
    .argument('<folder>', 'folder of images')
    .option('-o, --output <file>', 'CSV to write', 'testFile.csv')
    .option('--force', 'replace the CSV if it exists')
    .action(async (folder: string, o: { output: string; force?: boolean }) => {
      const n = await makeCsv(folder, o.output, { replace: o.force }).catch((err) => {
        throw err instanceof CsvExistsError ? new BenchError('ERROR_BAD_SETTINGS', `${err.path} already exists; add --force to replace it`) : err;
      });
      process.stderr.write(`wrote ${plural(n, 'image path')} to ${resolve(o.output)}\n`);
    });
}
