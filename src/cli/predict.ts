import { dirname } from 'node:path';
import { parsePredictArgs, type PredictArgs } from './args';
import { checkRunDir, exists, OutDirError } from './out-dir';

// `npm run predict -- --run DIR [--checkpoint N] --input FILE --out FILE.csv`. The flags, the run and
// the paths are checked before tfjs loads (seconds), so a bad one is answered at once with status 2.

let args: PredictArgs;
try {
  args = parsePredictArgs(process.argv.slice(2));
  await checkRunDir(args.run, args.checkpoint);
  if (!(await exists(args.input))) throw new OutDirError(`--input: ${args.input} does not exist`);
  if (!(await exists(dirname(args.out)))?.isDirectory()) throw new OutDirError(`--out: the folder ${dirname(args.out)} does not exist`);
} catch (e) {
  console.error(`predict: ${(e as Error).message}`);
  process.exit(2);
}
import('./predict-run')
  .then(({ predictFile }) => predictFile(args))
  .catch((e: Error) => {
    console.error(`predict: ${e.message}`);
    process.exit(1);
  });
