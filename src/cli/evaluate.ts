import { parseEvaluateArgs, type EvaluateArgs } from './args';
import { checkRunDir } from './out-dir';

// `npm run evaluate -- --run DIR [--checkpoint N]`: the confusion matrix and per-class scores (or MAE,
// RMSE and the largest errors) of the run's stored validation split. Flags are checked before tfjs loads.

let args: EvaluateArgs;
try {
  args = parseEvaluateArgs(process.argv.slice(2));
  await checkRunDir(args.run, args.checkpoint);
} catch (e) {
  console.error(`evaluate: ${(e as Error).message}`);
  process.exit(2);
}
import('./evaluate-run')
  .then(({ evaluateRun }) => evaluateRun(args))
  .catch((e: Error) => {
    console.error(`evaluate: ${e.message}`);
    process.exit(1);
  });
