import type * as tf from '@tensorflow/tfjs';
import type { TensorData } from '../../src/data/dataset';
import { createModel } from '../../src/train/model/presets';
import { Rng } from '../../src/util/rng';
import type { BenchCase } from '../cases';
import { smallResNet } from '../resnet';

/** Adam at this learning rate in all three runners (Kiln's Adam for the learner, tf.train.adam for the others). */
export const LR = 1e-3;

/** What each runner gets: the same case, data, epochs and seed. */
export interface RunnerInput {
  /** The tfjs backend name. */
  readonly backend: string;
  readonly benchCase: BenchCase;
  /** A whole number of batches; every epoch sees all of it. */
  readonly data: TensorData;
  readonly epochs: number;
  readonly seed: number;
}

/** What each runner measures. */
export interface RunnerResult {
  /** Items trained per second over the timed epochs (the warm-up step excluded). */
  readonly samplesPerSec: number;
  /** The warm-up: one batch trained from a fresh model, end to end. */
  readonly firstStepMs: number;
  /** The largest rise of tf.memory().numTensors from one epoch's end to the next (0 when nothing leaks). */
  readonly tensorGrowthPerEpoch: number;
  /** The last loss the runner read, to show all three trained alike. */
  readonly finalLoss: number;
}

/** The case's model from the seeded initializers: identical initial weights in every runner. */
export function buildModel(input: RunnerInput): tf.LayersModel {
  const { model } = input.benchCase;
  const outputs = input.data.numClasses ?? 10;
  return model === 'small-resnet'
    ? smallResNet(input.seed, input.data.itemShape, outputs)
    : createModel(model, { inputShape: input.data.itemShape, outputs }, input.seed);
}

/** The learner's DataLoader order for an epoch (a seeded shuffle), so the hand loop sees the same batches. */
export function epochOrder(seed: number, epoch: number, n: number): Int32Array {
  return Rng.derive(seed, epoch).shuffle(Int32Array.from({ length: n }, (_, i) => i));
}

/** The largest epoch-to-epoch rise in a series of tensor counts taken at epoch ends. */
export function maxGrowth(counts: readonly number[]): number {
  let growth = 0;
  for (let i = 1; i < counts.length; i++) growth = Math.max(growth, counts[i] - counts[i - 1]);
  return growth;
}

/** Milliseconds, in Node and the browser alike. */
export const now = (): number => performance.now();
