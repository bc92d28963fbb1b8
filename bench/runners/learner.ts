import * as tf from '@tensorflow/tfjs';
import { TensorBatcher } from '../../src/data/batcher';
import { BatchDataLoader } from '../../src/data/dataloader';
import { numItems, selectRows } from '../../src/data/dataset';
import type { ArtifactStore } from '../../src/store/base';
import { LearnerBuilder } from '../../src/train/learner/builder';
import { AccuracyMetric } from '../../src/train/metric/accuracy';
import { LossMetric } from '../../src/train/metric/loss';
import type { Split } from '../../src/train/metric/base';
import { createOptimizer } from '../../src/train/optim/create';
import type { MetricsRenderer, MetricState } from '../../src/train/renderer/base';
import type { EngineChoice } from '../../src/train/learner/engine';
import type { StartupTimes } from '../../src/train/learner/startup';
import type { TrainingProgress } from '../../src/train/renderer/base';
import { compiledWebGpu } from '../../src/gpu/factory';
import { tfjsStep } from '../../src/train/step/tfjs';
import type { StepEngine } from '../../src/train/step/base';
import type { EngineContext, StepEngineFactory } from '../../src/train/step/factory';
import { buildModel, LR, maxGrowth, now, type RunnerInput, type RunnerResult } from './base';

/** Checkpoint cost per epoch, measured inside the learner's run. */
export interface CheckpointStats {
  /** Mean milliseconds from an epoch's end until its checkpoint landed (read at the epoch's end, then encoded and written while the next epoch trains). */
  readonly saveMs: number;
  /** Bytes of one checkpoint's three files. */
  readonly bytes: number;
  /** saveMs as a share of a training epoch, in percent. */
  readonly pctOfEpoch: number;
}

/** The learner's measurements, with its checkpoints and the engine that ran (and why, from experiment.log). */
export interface LearnerResult extends RunnerResult {
  readonly checkpoint: CheckpointStats;
  readonly engine: string;
  /**
   * Milliseconds per step over the whole fit, from the first step's values (read at once, nothing
   * queued behind it) to the last epoch's end (every step read): each epoch's boundary, and what
   * of each checkpoint is not overlapped, included; no compile, upload of the data or final sync.
   * Between two moments with nothing in flight, so a loop that runs ahead of the GPU gains nothing
   * from where it was at either end.
   */
  readonly steadyMsPerStep: number;
  /** Milliseconds per step inside the last epoch: from the values of its first quarter's end landing to those of its last step. */
  readonly inEpochMsPerStep: number;
  /** Where the time from fit() to the first step went, in this runner's first fit (the warm-up batch). */
  readonly startup: StartupTimes | null;
}

/** A renderer that only takes the times the bench needs: epoch ends, checkpoint saves, the loss. */
class ProbeRenderer implements MetricsRenderer {
  readonly epochEnds: number[] = [];
  readonly tensors: number[] = [];
  readonly saves: number[] = [];
  /** When each training iteration's values landed. */
  readonly landed: { epoch: number; iteration: number; time: number }[] = [];
  loss = NaN;

  update(split: Split, progress: TrainingProgress, metrics: readonly MetricState[]): void {
    const loss = metrics.find((m) => m.entry.name === 'Loss');
    if (loss) this.loss = loss.entry.running;
    if (split === 'train') this.landed.push({ epoch: progress.epoch, iteration: progress.iteration, time: now() });
  }

  /** Milliseconds per step inside an epoch of `steps`, from the end of its first quarter to its last step. */
  inEpochMsPerStep(epoch: number, steps: number): number {
    const points = this.landed.filter((p) => p.epoch === epoch);
    const from = points.find((p) => p.iteration >= Math.ceil(steps / 4));
    const to = points[points.length - 1];
    return from && to && to.iteration > from.iteration ? (to.time - from.time) / (to.iteration - from.iteration) : NaN;
  }

  epochEnd(): void {
    this.epochEnds.push(now());
    this.tensors.push(tf.memory().numTensors);
  }

  checkpoint(_epoch: number, action: 'saved' | 'deleted'): void {
    if (action === 'saved') this.saves.push(now());
  }

  log(): void {}

  end(): void {}
}

/**
 * The step engines the learner may choose, each wrapped so that the start of every training epoch
 * is timed (before its upload and order): with the epochs' ends, that is the training's own time,
 * without the checkpoints between epochs (what of a checkpoint overlaps the next epoch is in it).
 */
function timedEngines(starts: number[]): StepEngineFactory[] {
  return [compiledWebGpu(), tfjsStep()].map((factory) => ({
    ...factory,
    async create<B>(c: EngineContext<B>) {
      const built = await factory.create(c);
      if ('reason' in built) return built;
      const e = built.engine;
      const engine: StepEngine<B> = {
        name: e.name,
        async beginEpoch(split, loader, epoch) {
          if (split === 'train') starts.push(now());
          return (await e.beginEpoch?.(split, loader, epoch)) ?? false;
        },
        train: (batch, index, apply) => e.train(batch, index, apply),
        valid: (batch, index) => e.valid(batch, index),
        sync: () => e.sync(),
        checkpointState: e.checkpointState && (() => e.checkpointState!()),
        validConfusion: e.validConfusion && (() => e.validConfusion!()),
        dispose: () => e.dispose(),
      };
      return { ...built, engine };
    },
  }));
}

/**
 * (a) `learner.fit` as a user sets it up (the tfjs step; (d) is the same with the compiled step): Loss and Accuracy on train, the file logger and the file
 * checkpointer on, Kiln's Adam. No validation split (the other two validate nothing either).
 * samples/s count the training epochs' own time (each from its start to its end); each
 * checkpoint's time, from its epoch's end until it landed, is reported apart.
 */
export async function runLearner(
  input: RunnerInput,
  makeStore: () => ArtifactStore,
  engine: EngineChoice = 'tfjs',
  /** Off: no checkpointer, to tell the checkpoints' share of the pace from the rest of the epoch boundary. */
  checkpoints = true,
): Promise<LearnerResult> {
  const { data, epochs, seed, backend, benchCase } = input;
  const { batch } = benchCase;
  const model = buildModel(input);
  const optimizer = createOptimizer({ type: 'adam' });
  const starts: number[] = [];
  const builder = (store: ArtifactStore, renderer: MetricsRenderer) =>
    new LearnerBuilder(store)
      .metricTrainNumeric(new LossMetric())
      .metricTrainNumeric(new AccuracyMetric())
      .renderer(renderer)
      .devices([backend])
      .engines(timedEngines(starts))
      .engine(engine)
      .seed(seed);
  const loader = (rows: typeof data, shuffle: boolean) =>
    new BatchDataLoader(numItems(rows), new TensorBatcher(rows), { batchSize: batch, shuffle, seed: shuffle ? seed : undefined });
  const none = loader(selectRows(data, []), false);
  const warm = loader(
    selectRows(
      data,
      Int32Array.from({ length: batch }, (_, i) => i),
    ),
    false,
  );
  const train = loader(data, true);
  try {
    let start = now();
    const { startup } = await builder(makeStore(), new ProbeRenderer()).build(model, optimizer, LR).fit(warm, none);
    const firstStepMs = now() - start;
    const store = makeStore();
    const probe = new ProbeRenderer();
    start = now();
    starts.length = 0;
    const timed = builder(store, probe).numEpochs(epochs);
    await (checkpoints ? timed.withFileCheckpointer() : timed).build(model, optimizer, LR).fit(train, none);
    const saveMs = probe.saves.map((t, i) => t - probe.epochEnds[i]);
    const totalSaveMs = saveMs.reduce((a, b) => a + b, 0);
    const trainMs = probe.epochEnds.reduce((sum, end, e) => sum + end - starts[e], 0);
    const files = (await store.list('checkpoint/')).filter((p) => p.endsWith(`-${epochs}.mpk.gz`));
    const bytes = (await Promise.all(files.map((p) => store.read(p)))).reduce((a, f) => a + (f?.byteLength ?? 0), 0);
    const log = new TextDecoder().decode((await store.read('experiment.log')) ?? new Uint8Array());
    return {
      engine: /engine (\w+ \([^\n]*\))/.exec(log)?.[1] ?? 'unknown',
      steadyMsPerStep: (probe.epochEnds[epochs - 1] - probe.landed[0].time) / ((epochs * numItems(data)) / batch - 1),
      inEpochMsPerStep: probe.inEpochMsPerStep(epochs, numItems(data) / batch),
      startup,
      samplesPerSec: (epochs * numItems(data) * 1000) / trainMs,
      firstStepMs,
      tensorGrowthPerEpoch: maxGrowth(probe.tensors),
      finalLoss: probe.loss,
      checkpoint: { saveMs: totalSaveMs / saveMs.length, bytes, pctOfEpoch: (100 * totalSaveMs) / trainMs },
    };
  } finally {
    [none, warm, train].forEach((l) => l.dispose());
    optimizer.dispose();
    model.dispose();
  }
}
