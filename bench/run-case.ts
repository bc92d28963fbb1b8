import * as tf from '@tensorflow/tfjs';
import { itemSize } from '../src/data/dataset';
import type { ArtifactStore } from '../src/store/base';
import type { BenchCase, CasePlan } from './cases';
import { cifarShaped, mnistShaped } from './data';
import { roundOrder, summarize, type Round } from './aggregate';
import { skippedCase, type CaseResult } from './report';
import { buildModel, type RunnerInput, type RunnerResult } from './runners/base';
import { runHandLoop } from './runners/hand-loop';
import { runLearner } from './runners/learner';
import { runModelFit } from './runners/model-fit';

/** The seed of the data, the initial weights and the learner's data order. */
export const SEED = 1;

/**
 * One untimed step on a throwaway copy of the model, so that kernels compiled or set up on first
 * use (WebGL shaders, WebGPU pipelines, wasm operators) are not charged to whichever runner goes first.
 */
function warmBackend(input: RunnerInput): void {
  const model = buildModel(input);
  const { batch } = input.benchCase;
  tf.tidy(() => {
    const x = tf.tensor(input.data.x.subarray(0, batch * itemSize(input.data)), [batch, ...input.data.itemShape]);
    const y = tf.oneHot(tf.tensor1d(input.data.y.subarray(0, batch) as Int32Array, 'int32'), 10);
    const optimizer = tf.train.adam(1e-3);
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false);
    optimizer.dispose();
  });
  model.dispose();
}

/** Frees what the previous runner left for the garbage collector, where the process allows it (node --expose-gc). */
const collectGarbage = () => (globalThis as { gc?: () => void }).gc?.();

/** Runs (a), (b) and (c) of one case on the current tfjs backend, round after round; `backend` names it in the results. */
export async function runCase(
  backend: string,
  tfBackend: string,
  benchCase: BenchCase,
  plan: CasePlan,
  makeStore: () => ArtifactStore,
  say: (line: string) => void,
): Promise<CaseResult> {
  const { name, batch } = benchCase;
  if ('skip' in plan) return skippedCase(backend, name, batch, plan.skip);
  const data = (benchCase.model === 'small-resnet' ? cifarShaped : mnistShaped)(plan.batchesPerEpoch * batch, SEED);
  const input: RunnerInput = { backend: tfBackend, benchCase, data, epochs: plan.epochs, seed: SEED };
  say(`${backend} ${name}: ${plan.rounds} round(s) of ${plan.epochs} epochs of ${plan.batchesPerEpoch} batches of ${batch}`);
  warmBackend(input);
  const runners: [keyof Round, () => Promise<RunnerResult>][] = [
    ['learner', () => runLearner(input, makeStore)],
    ['handLoop', () => runHandLoop(input)],
    ['modelFit', () => runModelFit(input)],
  ];
  if (tfBackend === 'webgpu') runners.push(['compiled', () => runLearner(input, makeStore, 'compiled')]);
  const rounds: Round[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    const round: Partial<Record<keyof Round, RunnerResult>> = {};
    for (const [key, run] of roundOrder(runners, r)) {
      collectGarbage();
      round[key] = await run();
    }
    rounds.push(round as Round);
    const { learner, handLoop, modelFit, compiled } = round as Round;
    const d = compiled ? `  (d) ${compiled.samplesPerSec.toFixed(0)} [${compiled.engine.split(' ')[0]}]` : '';
    say(
      `  round ${r + 1}: (a) ${learner.samplesPerSec.toFixed(0)}  (b) ${handLoop.samplesPerSec.toFixed(0)}  (c) ${modelFit.samplesPerSec.toFixed(0)}${d} samples/s`,
    );
  }
  const s = summarize(rounds);
  return {
    backend,
    model: name,
    batch,
    ...s.samplesPerSec,
    learnerVsHandLoop: s.learnerVsHandLoop,
    learnerVsModelFit: s.learnerVsModelFit,
    itemsPerEpoch: plan.batchesPerEpoch * batch,
    epochs: plan.epochs,
    rounds: plan.rounds,
    firstStepMs: s.firstStepMs,
    tensorGrowthPerEpoch: s.tensorGrowthPerEpoch,
    finalLoss: s.finalLoss,
    checkpoint: s.checkpoint,
    ...(tfBackend === 'webgpu'
      ? {
          compiled: s.compiled?.samplesPerSec ?? null,
          compiledVsLearner: s.compiled?.vsLearner ?? null,
          compiledEngine: s.compiledEngine,
          steadyMsPerStep: { learner: s.learnerSteadyMsPerStep, compiled: s.compiled?.steadyMsPerStep ?? null },
          compiledInEpochMsPerStep: s.compiled?.inEpochMsPerStep ?? null,
          compiledStartup: s.compiled?.startup ?? null,
        }
      : {}),
  };
}
