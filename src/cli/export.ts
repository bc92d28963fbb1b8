import { parseExportArgs } from './args';
import { command } from './command';
import { checkRunDir } from './out-dir';

// `npm run export -- --run DIR [--checkpoint N] --format burn|onnx --out DIR2|model.onnx`. The flags and the run are
// checked before tfjs loads (seconds), so a bad one is answered at once (status 2, one line naming it).

await command(
  'export',
  async () => {
    const args = parseExportArgs(process.argv.slice(2));
    await checkRunDir(args.run, args.checkpoint);
    return args;
  },
  async (args) => {
    for (const file of await (await import('./export-run')).exportRun(args)) console.log(file);
  },
);
