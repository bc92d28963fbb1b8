import { modelFile } from '../export/format-list';
import { parseExportArgs } from './args';
import { command } from './command';
import { checkRunDir, exists, OutDirError } from './out-dir';

// `npm run export -- --run DIR [--checkpoint N] --format F --out PATH`. The flags and the run are
// checked before tfjs loads (seconds), so a bad one is answered at once (status 2, one line naming it).

await command(
  'export',
  async () => {
    const args = parseExportArgs(process.argv.slice(2));
    await checkRunDir(args.run, args.checkpoint);
    const file = modelFile(args.format);
    if (file && (await exists(args.out))?.isDirectory())
      throw new OutDirError(`--out: ${args.out} is a folder; --format ${args.format} writes a file: name it (${file})`);
    return args;
  },
  async (args) => {
    for (const file of await (await import('./export-run')).exportRun(args)) console.log(file);
  },
);
