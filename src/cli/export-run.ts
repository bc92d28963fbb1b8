import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ExportFile } from '../export/base';
import { burnExport, type TrainingNotes } from '../export/burn';
import { exportOnnx } from '../export/onnx';
import { loadModel, type LoadedModel } from '../infer/load';
import type { ArtifactStore } from '../store/base';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import { OptimizerConfigSchema } from '../train/optim/config';
import type { ExportArgs } from './args';
import { registerNodeBackends } from './backends-node';
import type { EXPORT_FORMATS } from './export-formats';

/** Each format: the files it writes for a run's model at a checkpoint. */
const WRITERS: { readonly [F in (typeof EXPORT_FORMATS)[number]]: (loaded: LoadedModel, name: string, store: ArtifactStore) => Promise<ExportFile[]> } = {
  burn: async (loaded, name, store) => burnExport(loaded.model, { name, epoch: loaded.epoch, training: await trainingNotes(store) }),
  onnx: (loaded, name) => exportOnnx(loaded, name),
};

/** How the run trained (optimizer, learning rate, accumulation), where its config.json says so. */
async function trainingNotes(store: ArtifactStore): Promise<TrainingNotes | undefined> {
  const bytes = await store.read('config.json');
  const config = JSON.parse(new TextDecoder().decode(bytes)) as { optimizer?: unknown; lr?: unknown; gradAccumulation?: unknown };
  const optimizer = OptimizerConfigSchema.safeParse(config.optimizer);
  if (!optimizer.success || typeof config.lr !== 'number') return undefined;
  return { optimizer: optimizer.data, lr: config.lr, gradAccumulation: typeof config.gradAccumulation === 'number' ? config.gradAccumulation : 1 };
}

/**
 * Where each file goes: `--out` names the format's main file (its first, `model.onnx`) when it
 * ends in that file's extension, and the others go beside it; otherwise `--out` is the folder
 * they all go into, by name.
 */
function destinations(out: string, files: readonly ExportFile[]): string[] {
  const ext = extname(files[0]!.path);
  if (extname(out) === ext) return files.map((f, i) => (i === 0 ? out : join(dirname(out), f.path)));
  return files.map((f) => join(out, f.path));
}

/** Writes the export the flags ask for to `--out` (see `destinations`); resolves to the files written. */
export async function exportRun(args: ExportArgs): Promise<string[]> {
  registerNodeBackends();
  await selectBackend(['cpu']);
  const store = new DirectoryStore(args.run);
  const loaded = await loadModel(store, args.checkpoint);
  try {
    const files = await WRITERS[args.format](loaded, basename(resolve(args.run)), store);
    const paths = destinations(args.out, files);
    for (const [i, f] of files.entries()) {
      await mkdir(dirname(paths[i]!), { recursive: true });
      await writeFile(paths[i]!, f.data);
    }
    return paths;
  } finally {
    loaded.model.dispose();
  }
}
