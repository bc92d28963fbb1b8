import type { LoadedModel } from '../infer/load';
import type { ArtifactStore } from '../store/base';
import { OptimizerConfigSchema } from '../train/optim/config';
import type { ExportFile } from './base';
import { burnExport, type TrainingNotes } from './burn';
import type { ModelFormatName } from './format-list';
import { exportOnnx } from './onnx';
import { exportTfjs } from './tfjs';

/** Writes a format's files for a loaded model; `file` is the name a one-file format's model gets. */
type Writer = (loaded: LoadedModel, name: string, store: ArtifactStore, file: string) => Promise<ExportFile[]>;

/** Each format's writer (see format-list): the worker and the CLI share them. */
export const MODEL_WRITERS: { readonly [F in ModelFormatName]: Writer } = {
  tfjs: (loaded, name) => exportTfjs(loaded, name),
  onnx: (loaded, name, _store, file) => exportOnnx(loaded, name, file),
  burn: async (loaded, name, store) => burnExport(loaded.model, { name, epoch: loaded.epoch, training: await trainingNotes(store) }),
};

/** How the run trained (optimizer, learning rate, accumulation), where its config.json says so. */
async function trainingNotes(store: ArtifactStore): Promise<TrainingNotes | undefined> {
  const bytes = await store.read('config.json');
  if (!bytes) return undefined;
  const config = JSON.parse(new TextDecoder().decode(bytes)) as { optimizer?: unknown; lr?: unknown; gradAccumulation?: unknown };
  const optimizer = OptimizerConfigSchema.safeParse(config.optimizer);
  if (!optimizer.success || typeof config.lr !== 'number') return undefined;
  return { optimizer: optimizer.data, lr: config.lr, gradAccumulation: typeof config.gradAccumulation === 'number' ? config.gradAccumulation : 1 };
}
