import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ExportFile } from '../export/base';
import { burnExport, type TrainingNotes } from '../export/burn';
import { lightningExport } from '../export/lightning';
import { loadMnist } from '../data/mnist-node';
import { safetensorsExport } from '../export/safetensors';
import { loadModel, type LoadedModel } from '../infer/load';
import type { ArtifactStore } from '../store/base';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import { OptimizerConfigSchema } from '../train/optim/config';
import type { ExportArgs } from './args';
import { registerNodeBackends } from './backends-node';
import { type EXPORT_FORMATS, FILE_FORMATS } from './export-formats';

/** Each format: the files it writes for a run's model at a checkpoint (`file`: the name `--out` gives a file format's model). */
const WRITERS: {
  readonly [F in (typeof EXPORT_FORMATS)[number]]: (loaded: LoadedModel, name: string, store: ArtifactStore, file: string) => Promise<ExportFile[]>;
} = {
  burn: async (loaded, name, store) => burnExport(loaded.model, { name, epoch: loaded.epoch, training: await trainingNotes(store) }),
  safetensors: (loaded, name, _store, file) => safetensorsExport(loaded, name, file),
  lightning: async (loaded, name, store) => lightningExport(loaded, name, store, async () => loadMnist(), await pythonSources()),
};

/** The Lightning project's Python files that every export holds as they are (src/export/lightning/). */
async function pythonSources(): Promise<Map<string, string>> {
  const dir = new URL('../export/lightning/', import.meta.url);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.py')).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(new URL(n, dir), 'utf8')] as [string, string])));
}

/** How the run trained (optimizer, learning rate, accumulation), where its config.json says so. */
async function trainingNotes(store: ArtifactStore): Promise<TrainingNotes | undefined> {
  const bytes = await store.read('config.json');
  const config = JSON.parse(new TextDecoder().decode(bytes)) as { optimizer?: unknown; lr?: unknown; gradAccumulation?: unknown };
  const optimizer = OptimizerConfigSchema.safeParse(config.optimizer);
  if (!optimizer.success || typeof config.lr !== 'number') return undefined;
  return { optimizer: optimizer.data, lr: config.lr, gradAccumulation: typeof config.gradAccumulation === 'number' ? config.gradAccumulation : 1 };
}

/** Writes the export the flags ask for into `--out` (a folder, or a file format's model file); resolves to the files written. */
export async function exportRun(args: ExportArgs): Promise<string[]> {
  registerNodeBackends();
  await selectBackend(['cpu']);
  const store = new DirectoryStore(args.run);
  const loaded = await loadModel(store, args.checkpoint);
  try {
    const files = await WRITERS[args.format](loaded, basename(resolve(args.run)), store, basename(args.out));
    const dir = FILE_FORMATS.has(args.format) ? dirname(args.out) : args.out;
    for (const f of files) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await writeFile(join(dir, f.path), f.data);
    }
    return files.map((f) => join(dir, f.path));
  } finally {
    loaded.model.dispose();
  }
}
