import { describe, expect, it } from 'vitest';
import { OPTIM_HEAD, optimizerKernels } from '../../../src/gpu/kernels/optim';
import { writeArray } from '../../../src/gpu/device';
import { parseOptimizerConfig, type OptimizerConfigInput } from '../../../src/train/optim/config';
import { gpuOrSkip, readFloats, runKernels, stepRecord, storage } from './device';
import { randoms, refOptimStep, relError, type RefOptimConfig } from './reference';

const ctx = await gpuOrSkip();
const P = 37;
const STEPS = 4;
const LR = 0.05;
/** The gradients arrive as sums over this many items; the optimizer scales by its inverse. */
const ITEMS = 4;

const CONFIGS: OptimizerConfigInput[] = [
  { type: 'sgd' },
  { type: 'sgd', momentum: 0.9, dampening: 0.2, weightDecay: 0.01 },
  { type: 'sgd', momentum: 0.8, nesterov: true },
  { type: 'adam' },
  { type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1 },
  { type: 'adamw', weightDecay: 0.2 },
  { type: 'adam', gradClipping: { type: 'norm', maxNorm: 0.5 } },
  { type: 'sgd', momentum: 0.5, gradClipping: { type: 'value', maxValue: 0.3 } },
];

describe.skipIf(!ctx)('optimizer kernels', () => {
  for (const input of CONFIGS) {
    it(`matches_the_float64_reference_over_several_steps: ${JSON.stringify(input)}`, async () => {
      const config = parseOptimizerConfig(input);
      const k = optimizerKernels(config, P, ctx!.limits.maxInvocations);
      const p0 = randoms(P, 30);
      const params = storage(ctx!, p0);
      const grads = storage(ctx!, P);
      const state = storage(ctx!, k.stateFloats);
      const step = stepRecord(ctx!, { lr: LR, gradScale: 1 / ITEMS });
      const bound = { params, grads, state, step };
      const ref = Float64Array.from(p0);
      const slots = k.slots.map(() => new Float64Array(P));
      for (let t = 1; t <= STEPS; t++) {
        const sum = randoms(P, 40 + t).map((x) => x * ITEMS * (t === 2 ? 3 : 1));
        writeArray(ctx!.device.queue, grads, 0, sum);
        await runKernels(
          ctx!,
          [...(k.norm ? [k.norm] : []), k.prep, k.update].map((kernel) => [kernel, bound] as [typeof kernel, typeof bound]),
        );
        refOptimStep(
          config as RefOptimConfig,
          ref,
          Array.from(sum, (g) => g / ITEMS),
          slots,
          LR,
          t,
        );
        expect(relError(await readFloats(ctx!, params, P), ref), `params after step ${t}`).toBeLessThan(2e-6);
      }
      const s = await readFloats(ctx!, state, k.stateFloats);
      expect(s[0]).toBe(STEPS);
      k.slots.forEach((name, i) => expect(relError(s.subarray(OPTIM_HEAD + i * P, OPTIM_HEAD + (i + 1) * P), slots[i]), `slot ${name}`).toBeLessThan(2e-6));
    });
  }

  it('refuses_an_optimizer_it_does_not_compile_with_a_reason', () => {
    expect(() => optimizerKernels(parseOptimizerConfig({ type: 'rmsprop' }), P, 256)).toThrow(/optimizer 'rmsprop' is not compiled yet/);
  });
});
