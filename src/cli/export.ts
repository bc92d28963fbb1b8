import { type ExportArgs, parseExportArgs } from './args';
import { checkRunDir } from './out-dir';

// `npm run export -- --run DIR [--checkpoint N] --format burn --out DIR2`. The flags and the run are
// checked before tfjs loads (seconds), so a bad one is answered at once (status 2, one line naming it).

let args: ExportArgs;
try {
  args = parseExportArgs(process.argv.slice(2));
  await checkRunDir(args.run, args.checkpoint);
} catch (e) {
  console.error(`export: ${(e as Error).message}`);
  process.exit(2);
}
import('./export-run')
  .then(async ({ exportRun }) => {
    for (const file of await exportRun(args)) console.log(file);
  })
  .catch((e: Error) => {
    console.error(`export: ${e.message}`);
    process.exit(1);
  });
