import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { EngineContext, EngineQuery, StepEngineFactory } from '../train/step/factory';
import type { GpuProfileStore } from './profile';

const offWebGpu = (backend: string) => `the compiled step runs on webgpu; this run is on ${backend}`;

/** How a host sets up the compiled step. */
export interface CompiledOptions {
  /** Time the large GEMMs' tilings on the device before training (default off: the tiling policy's, or what an earlier tuning stored). */
  readonly autotune?: boolean;
  /** Where the GPU's profile is kept between runs (a file in Node, IndexedDB in the studio); absent: this process only. */
  readonly profiles?: GpuProfileStore;
}

/**
 * The compiled WebGPU step as a step-engine factory; hosts with WebGPU register it before the tfjs
 * step: `.engines([compiledWebGpu(), tfjsStep()])`. It builds on the webgpu backend when the
 * planner compiles the model, optimizer and metrics, and otherwise refuses saying why.
 */
export function compiledWebGpu(options: CompiledOptions = {}): StepEngineFactory {
  return {
    name: 'compiled',
    async create<B>(c: EngineContext<B>) {
      if (c.backend !== 'webgpu') return { reason: offWebGpu(c.backend) };
      const device = (tf.backend() as WebGPUBackend).device as GPUDevice | undefined;
      if (!device) return { reason: 'the webgpu backend exposes no device' };
      // Loaded only here: runs that never reach WebGPU never load the compiled step.
      const { CompiledStepEngine, STEPS_PER_SUBMIT } = await import('./engine');
      let result: Awaited<ReturnType<typeof CompiledStepEngine.create>>;
      try {
        result = await CompiledStepEngine.create({
          device,
          step: c.step,
          optimizer: c.optimizer,
          metrics: c.metrics,
          batchSize: c.batchSize,
          batches: c.batches,
          seed: c.seed,
          note: c.note,
          autotune: options.autotune,
          profiles: options.profiles,
        });
      } catch (e) {
        return { reason: `compiling the step failed: ${(e as Error).message}`, warn: true };
      }
      if ('reason' in result) return { reason: `not compiled: ${result.reason}` };
      const why = [`${STEPS_PER_SUBMIT} steps per submit, data resident on the GPU`, result.tuning].filter(Boolean).join('; ');
      return { engine: result.engine, why, stats: { source: result.stats, sizes: result.sizes }, timings: result.timings };
    },
    async refusal(q: EngineQuery) {
      if (q.backend !== 'webgpu') return offWebGpu(q.backend);
      const { planStep } = await import('./engine');
      const planned = planStep(q.step, q.optimizer);
      return planned.ok ? null : `not compiled: ${planned.reason}`;
    },
  };
}
