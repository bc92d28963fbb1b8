import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { burnExport } from '../export/burn';
import type { ExportFile } from '../export/base';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import { registerNodeBackends } from './backends-node';
import type { ExportArgs } from './export-args';
import { loadRunModel, type RunModel } from './run-model';

/** Each format: the files it writes for a run's model at a checkpoint. */
const WRITERS: { readonly [F in ExportArgs['format']]: (run: RunModel, name: string) => Promise<ExportFile[]> } = {
  burn: (run, name) => burnExport(run.model, { name, epoch: run.epoch, config: run.config }),
};

/** Writes the export the flags ask for into `--out`; resolves to the files written. */
export async function exportRun(args: ExportArgs): Promise<string[]> {
  registerNodeBackends();
  await selectBackend(['cpu']);
  const run = await loadRunModel(new DirectoryStore(args.run), args.checkpoint);
  try {
    const files = await WRITERS[args.format](run, basename(resolve(args.run)));
    await mkdir(args.out, { recursive: true });
    for (const f of files) await writeFile(join(args.out, f.path), f.data);
    return files.map((f) => join(args.out, f.path));
  } finally {
    run.model.dispose();
  }
}
