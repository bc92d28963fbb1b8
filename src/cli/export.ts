import { parseFlags } from './args';
import { type ExportArgs, ExportArgsSchema } from './export-args';

// `npm run export -- --run DIR [--checkpoint N] --format burn --out DIR2`. The flags are checked
// before tfjs loads, so a bad flag is answered at once (exit 2, one line naming it).

let args: ExportArgs;
try {
  args = parseFlags(ExportArgsSchema, process.argv.slice(2));
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
