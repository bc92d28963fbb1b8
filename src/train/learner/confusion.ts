import * as tf from '@tensorflow/tfjs';
import type { DataLoader } from '../../data/dataloader';
import type { ArtifactStore } from '../../store/base';
import { predictedClasses, targetClasses } from '../metric/classes';
import { CONFUSION_VERSION, confusionPath, countConfusion, type ConfusionFile, type ConfusionMatrix } from '../metric/confusion-matrix';
import type { TrainStep } from '../model/base';
import type { StepEngine } from '../step/base';

/** Where and how the learner records the valid confusion matrix after each epoch. */
export interface ConfusionRecording {
  readonly store: ArtifactStore;
  /** Class names in index order, written into the file beside the counts. */
  readonly classNames?: readonly string[];
}

/**
 * Records `valid/epoch-N/ConfusionMatrix.json` (of a valid split with batches): what the engine counted as it validated (`counted`,
 * the compiled step's, read at the epoch's end), or else the step's forward pass over the valid
 * split with the weights the epoch ended with, on the fit's backend. Class indices stay on the
 * device until one read at the end.
 */
export async function recordConfusion<B>(
  recording: ConfusionRecording,
  step: TrainStep<B>,
  engine: StepEngine<B>,
  valid: DataLoader<B>,
  epoch: number,
  counted: Promise<ConfusionMatrix> | null,
): Promise<void> {
  const matrix = await (counted ?? forwardConfusion(step, engine, valid, epoch));
  const file: ConfusionFile = {
    format: 'kiln.confusion',
    version: CONFUSION_VERSION,
    split: 'valid',
    epoch,
    ...(recording.classNames ? { classNames: recording.classNames } : {}),
    matrix,
  };
  await recording.store.write(confusionPath('valid', epoch), JSON.stringify(file));
}

/** The confusion matrix of the step's forward pass over the split (an engine that keeps the weights itself syncs them first). */
async function forwardConfusion<B>(step: TrainStep<B>, engine: StepEngine<B>, valid: DataLoader<B>, epoch: number): Promise<ConfusionMatrix> {
  await engine.sync();
  const parts: { truth: tf.Tensor1D[]; predicted: tf.Tensor1D[] } = { truth: [], predicted: [] };
  let classes = 0;
  let truth: ArrayLike<number> = [];
  let predicted: ArrayLike<number> = [];
  try {
    for (const batch of valid.batches(epoch)) {
      tf.tidy(() => {
        const out = step.forward(batch, false);
        classes = out.output.shape[out.output.rank - 1]!;
        // A copy: the targets may be the batch's own labels, freed below.
        parts.truth.push(tf.keep(targetClasses(out).clone()));
        parts.predicted.push(tf.keep(predictedClasses(out)));
      });
      tf.dispose(batch as tf.TensorContainer);
    }
    const joined = [tf.concat(parts.truth), tf.concat(parts.predicted)];
    parts.truth.push(...(joined as tf.Tensor1D[])); // freed with the parts
    [truth, predicted] = await Promise.all(joined.map((x) => x.data()));
  } finally {
    tf.dispose([...parts.truth, ...parts.predicted]);
  }
  return countConfusion(truth, predicted, classes);
}
