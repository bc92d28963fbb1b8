import * as tf from '@tensorflow/tfjs';
import type { TrainStep } from '../model/base';
import type { Optimizer } from '../optim/base';
import type { StepEngine } from '../step/base';
import { TfjsStepEngine } from '../step/tfjs';
import type { EventProcessor } from './processor';
import type { StatsSource } from './stats-reader';

/** Which step engine a learner asks for (LearnerBuilder.engine). */
export type EngineChoice = 'auto' | 'tfjs' | 'compiled';

/** What the engine is chosen from. */
export interface EngineInput<B> {
  readonly choice: EngineChoice;
  readonly backend: string;
  readonly step: TrainStep<B>;
  readonly optimizer: Optimizer;
  readonly processor: EventProcessor;
  readonly batchSize: number;
  readonly seed: number;
  /** Where the compiled engine says that a wait is coming (it times GEMM tiles on a new GPU). */
  readonly note?: (line: string) => void;
}

/** The engine that trains, why it was chosen (for the experiment log), and whether that deserves a warning. */
export interface ChosenEngine<B> {
  readonly engine: StepEngine<B>;
  readonly why: string;
  readonly warn: boolean;
}

/**
 * Picks the step engine: the compiled WebGPU step when the backend is webgpu and the model,
 * optimizer and metrics are ones it compiles; the tfjs step otherwise, saying why.
 */
export async function chooseEngine<B>(input: EngineInput<B>): Promise<ChosenEngine<B>> {
  const { step, optimizer, processor } = input;
  const tfjs = (why: string, warn = false): ChosenEngine<B> => ({ engine: new TfjsStepEngine(step, optimizer, processor.statsFn('train'), processor.statsFn('valid')), why, warn });
  const wanted = input.choice === 'compiled';
  if (input.choice === 'tfjs') return tfjs('chosen');
  if (input.backend !== 'webgpu') return tfjs(`the compiled step runs on webgpu; this run is on ${input.backend}`, wanted);
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) return tfjs('the webgpu backend exposes no device', wanted);
  // Loaded only here: runs that never reach WebGPU never load the compiled step.
  const { CompiledStepEngine, STEPS_PER_SUBMIT } = await import('../../gpu/engine');
  const metrics = { train: processor.registered('train'), valid: processor.registered('valid') };
  let result;
  try {
    result = await CompiledStepEngine.create({ device, step: step as TrainStep<unknown>, optimizer, metrics, batchSize: input.batchSize, seed: input.seed, note: input.note });
  } catch (e) {
    return tfjs(`compiling the step failed: ${(e as Error).message}`, true);
  }
  if ('reason' in result) return tfjs(`not compiled: ${result.reason}`, wanted);
  processor.useStats(result.stats as unknown as StatsSource<unknown>, result.sizes);
  const why = [`${STEPS_PER_SUBMIT} steps per submit, data resident on the GPU`, result.tuning].filter(Boolean).join('; ');
  return { engine: result.engine as unknown as StepEngine<B>, why, warn: false };
}
