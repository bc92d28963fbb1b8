import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { modelFile } from '../export/format-list';
import { MODEL_WRITERS } from '../export/formats';
import { loadModel } from '../infer/load';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import type { ExportArgs } from './args';
import { registerNodeBackends } from './backends-node';

/** Writes the export the flags ask for into `--out` (a folder, or a file format's model file); resolves to the files written. */
export async function exportRun(args: ExportArgs): Promise<string[]> {
  registerNodeBackends();
  await selectBackend(['cpu']);
  const store = new DirectoryStore(args.run);
  const loaded = await loadModel(store, args.checkpoint);
  try {
    const files = await MODEL_WRITERS[args.format](loaded, basename(resolve(args.run)), store, basename(args.out));
    const dir = modelFile(args.format) ? dirname(args.out) : args.out;
    await mkdir(dir, { recursive: true });
    for (const f of files) await writeFile(join(dir, f.path), f.data);
    return files.map((f) => join(dir, f.path));
  } finally {
    loaded.model.dispose();
  }
}
