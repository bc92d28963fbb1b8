import { parseEvaluateArgs } from './args';
import { command } from './command';
import { checkRunDir } from './out-dir';

// `npm run evaluate -- --run DIR [--checkpoint N]`: the confusion matrix and per-class scores (or MAE,
// RMSE and the largest errors) of the run's stored validation split. Flags are checked before tfjs loads.

await command(
  'evaluate',
  async () => {
    const args = parseEvaluateArgs(process.argv.slice(2));
    await checkRunDir(args.run, args.checkpoint);
    return args;
  },
  async (args) => (await import('./evaluate-run')).evaluateRun(args),
);
