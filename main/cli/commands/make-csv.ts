import { Command } from 'commander';
import { resolve } from 'node:path';
import { makeCsv } from '../../core/inputs/make-csv.js';

export function makeCsvCommand(): Command {
  return new Command('make-csv')
    .description('list the images in a folder (recursively) as a CSV with an image_path column')
    .argument('<folder>', 'folder of images')
    .option('-o, --output <file>', 'CSV to write', 'testFile.csv')
    .action(async (folder: string, o: { output: string }) => {
      const n = await makeCsv(folder, o.output);
      process.stderr.write(`wrote ${n} image paths to ${resolve(o.output)}\n`);
    });
}
