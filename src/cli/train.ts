import { parseTrainArgs, type TrainArgs } from './args';
import { OutDirError, prepareOutDir } from './out-dir';

// `npm run train -- ...`. The flags and the output folder are checked before tfjs and the learner
// load (seconds), so a bad flag or a folder that holds another run is answered at once.

// `npm run train | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

let args: TrainArgs;
try {
  args = parseTrainArgs(process.argv.slice(2));
} catch (e) {
  console.error(`train: ${(e as Error).message}`);
  process.exit(2);
}
try {
  await prepareOutDir(args.out, { resumeFrom: args.checkpoint, overwrite: args.overwrite });
} catch (e) {
  if (!(e instanceof OutDirError)) throw e;
  console.error(`train: ${e.message}`);
  process.exit(2);
}
import('./train-run')
  .then(({ train }) => train(args))
  .then((model) => model.dispose())
  .catch((e: Error) => {
    console.error(`train: ${e.message}`);
    process.exit(1);
  });
