import type { BackendProbe, WorkerEvent } from '../protocol/index';
import { describeDataset, describeModel } from '../protocol/describe';
import type { RunConfig } from '../protocol/run-config';
import type { TensorRecord } from '../train/tensor-record';
import { bestMetric, bestSoFar, learnerFromConfig } from '../recipe/learner';
import { bestUntil } from './artifacts';
import type { KilnDb, RunRecord } from '../store/idb';
import { selectBackend } from '../train/learner/devices';
import type { TrainingInterrupter } from '../train/learner/interrupter';
import { TensorMemoryMetric } from '../train/metric/memory';
import { backendOrder, fellBackFrom } from './backends';
import { watchDeviceLoss } from './tfjs-backends';
import { runData, type Prepare } from './run-data';
import { WorkerRenderer } from './renderer';
import { mirrorFolder, mirroredStore } from './mirror';
import { guardedStore } from './storage-guard';
import { idbProfiles, workerEngines } from './engine-check';

/** What a run needs from the worker around it. */
export interface RunContext {
  readonly runId: string;
  readonly name: string;
  readonly config: RunConfig;
  /** Continue the stored run from this checkpoint instead of starting it. */
  readonly resumeFrom?: number;
  readonly kiln: KilnDb;
  /** A folder to mirror the run into (a subfolder named after the run). */
  readonly mirror?: FileSystemDirectoryHandle | null;
  readonly probes: readonly BackendProbe[];
  readonly interrupter: TrainingInterrupter;
  readonly post: (event: WorkerEvent) => void;
  /** Prepares a dropped or built-in (non-MNIST) dataset when the run starts. */
  readonly prepare: Prepare;
  /** The weights of the model.json the run's layer list was imported from, when the worker holds them. */
  readonly imported?: readonly TensorRecord[];
}

/** How a run ended, and the learner's words for why. */
export interface RunEnd {
  readonly state: 'done' | 'stopped';
  readonly reason: string;
}

/**
 * Loads the data, picks the backend, builds the model and runs the Learner with the run's
 * artifacts in IndexedDB; resolves to how it ended. The runs list follows along: status,
 * epochs done and best metric are updated as epochs end.
 */
export async function runTraining(ctx: RunContext): Promise<RunEnd> {
  const { config, runId, kiln, interrupter, post } = ctx;
  const { order, skipped } = backendOrder(config, ctx.probes);
  const device = await selectBackend(order);
  post({ type: 'backend', backend: device.backend, skipped: [...fellBackFrom(skipped, ctx.probes, device.backend), ...device.skipped] });
  watchDeviceLoss((message) => {
    post({ type: 'error', message: `${message}; resume from the last checkpoint` });
    interrupter.stop(message);
  });

  const stored = await kiln.run(runId);
  if (ctx.resumeFrom !== undefined && !stored) throw new Error(`run ${runId} is not stored; it cannot be resumed`);
  const now = Date.now();
  const record: RunRecord = stored
    ? { ...stored, status: 'running', config, epochs: config.epochs, updatedAt: now, message: undefined }
    : {
        id: runId,
        name: ctx.name,
        createdAt: now,
        updatedAt: now,
        status: 'running',
        dataset: describeDataset(config.dataset),
        model: describeModel(config.model),
        config,
        epochs: config.epochs,
        epochsDone: 0,
        checkpoints: [],
      };
  await kiln.putRun(record);
  post({ type: 'runs-changed', runId });

  const guarded = guardedStore(kiln.store(runId), async (e) => {
    post({ type: 'error', message: e.message });
    interrupter.pause();
    post({ type: 'state', state: 'paused', message: 'storage is full' });
    await interrupter.whilePaused();
    return !interrupter.stopRequested;
  });
  // The run trains (in IndexedDB) even when its mirror folder is refused.
  const folder = ctx.mirror
    ? await mirrorFolder(ctx.mirror, runId, ctx.resumeFrom === undefined).catch((e: Error) => void post({ type: 'error', message: e.message }))
    : undefined;
  const store = folder ? mirroredStore(guarded, folder, (message) => post({ type: 'error', message })) : guarded;
  if (folder) post({ type: 'log', lines: [`mirroring this run to the folder ${ctx.mirror!.name}/${runId}`] });
  await store.write('config.json', JSON.stringify(config, null, 2));
  post({ type: 'state', state: 'loading' });
  post({ type: 'phase', phase: { name: 'data' } });
  const { train, valid, trainData, shape, task, targetScale } = await runData(config, store, ctx.prepare, (message) =>
    post({ type: 'state', state: 'loading', message }),
  );
  const by = bestMetric(task);
  // A resumed run retrains the epochs after its checkpoint: its best is of the epochs it keeps.
  let best = ctx.resumeFrom === undefined ? stored?.best : await bestUntil(kiln, runId, ctx.resumeFrom, by);
  if (ctx.resumeFrom !== undefined) await kiln.updateRun(runId, { best });
  const renderer = new WorkerRenderer((event) => {
    post(event);
    if (event.type !== 'epoch') return;
    best = bestSoFar(best, event.epoch, event.means.valid, by);
    void kiln.updateRun(runId, { epochsDone: event.epoch, best }).then(() => post({ type: 'runs-changed', runId }));
  });
  renderer.setPhase({ name: 'model' });
  const { learner, model } = await learnerFromConfig({
    config,
    store,
    shape,
    task,
    classNames: trainData.classNames,
    targetScale,
    trainBatches: train.numBatches,
    backend: device.backend,
    resumeFrom: ctx.resumeFrom,
    engines: workerEngines(idbProfiles(kiln)),
    extraTrainMetrics: [new TensorMemoryMetric('tensors')],
    renderer,
    interrupter,
    imported: ctx.imported,
  });
  try {
    const result = await learner.fit(train, valid);
    const state = result.reason.startsWith('interrupted') ? 'stopped' : 'done';
    const reason = `${result.reason}; ${result.epoch} epoch${result.epoch === 1 ? '' : 's'} done`;
    await kiln.updateRun(runId, { status: state, message: reason });
    return { state, reason };
  } finally {
    train.dispose();
    valid.dispose();
    model.dispose();
    post({ type: 'runs-changed', runId });
  }
}
