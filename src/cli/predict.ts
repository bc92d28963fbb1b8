import { dirname } from 'node:path';
import { parsePredictArgs } from './args';
import { command } from './command';
import { checkRunDir, exists, OutDirError } from './out-dir';

// `npm run predict -- --run DIR [--checkpoint N] --input FILE --out FILE.csv`. The flags, the run and
// the paths are checked before tfjs loads (seconds), so a bad one is answered at once with status 2.

await command(
  'predict',
  async () => {
    const args = parsePredictArgs(process.argv.slice(2));
    await checkRunDir(args.run, args.checkpoint);
    if (!(await exists(args.input))) throw new OutDirError(`--input: ${args.input} does not exist`);
    if (!(await exists(dirname(args.out)))?.isDirectory()) throw new OutDirError(`--out: the folder ${dirname(args.out)} does not exist`);
    return args;
  },
  async (args) => (await import('./predict-run')).predictFile(args),
);
