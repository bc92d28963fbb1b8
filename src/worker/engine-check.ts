import { compiledWebGpu } from '../gpu/factory';
import type { GpuProfile, GpuProfileStore } from '../gpu/profile';
import type { KilnDb } from '../store/idb';
import type { BackendProbe, Task } from '../protocol/index';
import type { RunConfig } from '../protocol/run-config';
import { plannedEngine } from '../train/learner/engine';
import { createModel } from '../train/model/build';
import type { ModelShape } from '../train/model/infer';
import { classification, regression } from '../train/model/layers';
import { tfjsStep } from '../train/step/tfjs';
import { backendOrder } from './backends';

/** The step engines the worker registers, in order of preference; the compiled step keeps its GPU profiles in `profiles` (IndexedDB). */
export const workerEngines = (profiles?: GpuProfileStore) => [compiledWebGpu({ profiles }), tfjsStep()];

/** The studio's GPU profiles, in the database's `gpu` store. */
export function idbProfiles(db: KilnDb): GpuProfileStore {
  return {
    load: async (adapter) => ((await db.gpuProfile(adapter)) as GpuProfile | undefined) ?? null,
    save: (adapter, profile) => db.putGpuProfile(adapter, profile),
  };
}

/**
 * The step engine a run of `config` would train on, asked before it starts: the backend it would
 * get (the first of its order that the worker found), the model built on whatever backend the
 * worker holds (only its layers are read), and the engines the worker registers asked in order.
 */
export async function engineCheck(
  config: RunConfig,
  shape: ModelShape,
  task: Task,
  probes: readonly BackendProbe[],
): Promise<{ engine: string; why: string; backend: string }> {
  const [backend] = backendOrder(config, probes).order;
  if (!backend) throw new Error('no backend can train this run here');
  const model = createModel(config.model, shape, config.seed, task);
  try {
    const step = task === 'classification' ? classification(model) : regression(model);
    return { ...(await plannedEngine('auto', workerEngines(), { backend, step, optimizer: config.optimizer })), backend };
  } finally {
    model.dispose();
  }
}
