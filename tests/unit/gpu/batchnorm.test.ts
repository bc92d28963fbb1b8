import { describe, expect, it } from 'vitest';
import {
  batchNormApplyKernel,
  batchNormBackwardKernel,
  batchNormFinalizeKernel,
  batchNormPartialKernel,
  batchNormStatsFloats,
  type BatchNormSpec,
} from '../../../src/gpu/kernels/batchnorm';
import { gpuOrSkip, readFloats, runKernels, stepRecord, storage } from './device';
import { randoms, relError } from './reference';

const ctx = await gpuOrSkip();
/** Threads of the reduction kernels here: 128, so that the larger shape has more partial sums than threads. */
const THREADS = 128;

/** Float64 batch statistics per channel, and the input gradient, γ's and β's gradients for an output gradient g. */
function reference(s: BatchNormSpec, x: Float32Array, g: Float32Array, gamma: Float32Array) {
  const C = s.channels;
  const M = s.rows * s.pixels;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < M * C; i++) mean[i % C] += x[i] / M;
  for (let i = 0; i < M * C; i++) variance[i % C] += (x[i] - mean[i % C]) ** 2 / M;
  const inv = Array.from(variance, (v) => 1 / Math.sqrt(v + s.epsilon));
  const xhat = (i: number) => (x[i] - mean[i % C]) * inv[i % C];
  const dbeta = new Float64Array(C);
  const dgamma = new Float64Array(C);
  for (let i = 0; i < M * C; i++) {
    dbeta[i % C] += g[i];
    dgamma[i % C] += g[i] * xhat(i);
  }
  const dx = Float64Array.from({ length: M * C }, (_, i) => gamma[i % C] * inv[i % C] * (g[i] - dbeta[i % C] / M - xhat(i) * (dgamma[i % C] / M)));
  return { mean, variance, dx, dgamma, dbeta };
}

describe.skipIf(!ctx)('batch normalization kernels', () => {
  // 147,456 values of 9 channels (more partial sums than the summing workgroup has threads), and
  // 300 channels (more channels than threads), both far from zero mean.
  for (const [rows, pixels, channels] of [
    [64, 256, 9],
    [4, 3, 300],
  ]) {
    it(`normalizes_moves_the_moving_statistics_and_backpropagates_as_float64_does: ${rows}x${pixels}x${channels}`, async () => {
      const c = ctx!;
      const C = channels;
      const offsets = { gammaOffset: 0, betaOffset: C, meanOffset: 2 * C, varianceOffset: 3 * C };
      const s: BatchNormSpec = { rows, pixels, channels: C, inputLd: pixels * C, epsilon: 1e-3, momentum: 0.9, ...offsets };
      const n = rows * pixels * C;
      const x = Float32Array.from(randoms(n, 1), (v, i) => 5 + (i % 7) + 2 * v);
      const g = randoms(n, 2);
      const gamma = Float32Array.from(randoms(C, 3), (v) => 1 + 0.5 * v);
      const beta = randoms(C, 4);
      const moving = [randoms(C, 5), Float32Array.from(randoms(C, 6), (v) => 1 + 0.5 * v)];
      const params = new Float32Array(4 * C);
      params.set(gamma, 0);
      params.set(beta, C);
      params.set(moving[0], 2 * C);
      params.set(moving[1], 3 * C);
      const buffers = {
        x: storage(c, x),
        g: storage(c, g),
        s: storage(c, batchNormStatsFloats(s, THREADS)),
        params: storage(c, params),
        grads: storage(c, 2 * C),
        y: storage(c, n),
        dx: storage(c, n),
        step: stepRecord(c, { accumulate: 0 }),
      };
      const store = { kind: 'store' } as const;
      const linear = { kind: 'bias-act', biasOffset: null, activation: 'linear' } as const;
      await runKernels(c, [
        [batchNormPartialKernel(s, 'stats', THREADS), buffers],
        [batchNormFinalizeKernel(s, 'stats', THREADS), buffers],
        [batchNormApplyKernel(s, true, linear, THREADS), { ...buffers, dst: buffers.y }],
        [batchNormPartialKernel(s, 'grads', THREADS), buffers],
        [batchNormFinalizeKernel(s, 'grads', THREADS), buffers],
        [batchNormBackwardKernel(s, store, THREADS), { ...buffers, dst: buffers.dx }],
      ]);
      const want = reference(s, x, g, gamma);
      const stats = await readFloats(c, buffers.s, 2 * C);
      expect(relError(stats.subarray(0, C), want.mean), 'mean').toBeLessThan(1e-5);
      expect(
        relError(
          Array.from(stats.subarray(C, 2 * C), (v) => 1 / v ** 2 - s.epsilon),
          want.variance,
        ),
        'variance',
      ).toBeLessThan(1e-4);
      const after = await readFloats(c, buffers.params, 4 * C);
      const movingWant = [0, 1].map((k) => Array.from(moving[k], (m, i) => m - (m - (k ? want.variance : want.mean)[i]) * (1 - s.momentum)));
      expect(relError(after.subarray(2 * C, 3 * C), movingWant[0]), 'moving mean').toBeLessThan(1e-5);
      expect(relError(after.subarray(3 * C, 4 * C), movingWant[1]), 'moving variance').toBeLessThan(1e-5);
      const y = await readFloats(c, buffers.y, n);
      const yWant = Array.from(x, (v, i) => ((v - want.mean[i % C]) * gamma[i % C]) / Math.sqrt(want.variance[i % C] + s.epsilon) + beta[i % C]);
      expect(relError(y, yWant), 'normalized').toBeLessThan(1e-4);
      const grads = await readFloats(c, buffers.grads, 2 * C);
      expect(relError(grads.subarray(0, C), want.dgamma), 'gamma gradient').toBeLessThan(1e-4);
      expect(relError(grads.subarray(C, 2 * C), want.dbeta), 'beta gradient').toBeLessThan(1e-4);
      expect(relError(await readFloats(c, buffers.dx, n), want.dx), 'input gradient').toBeLessThan(1e-4);
    });
  }
});
