import { describe, expect, it } from 'vitest';
import { gatherKernel } from '../../../src/gpu/kernels/gather';
import { statsStride } from '../../../src/gpu/kernels/common';
import { lossThreads, mseKernel, softmaxCrossEntropyKernel } from '../../../src/gpu/kernels/losses';
import { gpuOrSkip, readFloats, runKernels, stepRecord, storage } from './device';
import { randoms, relError } from './reference';

const ctx = await gpuOrSkip();

/** Batch rows of `ld` words: `features` floats of noise, then the targets' words. */
function batchRows(rows: number, features: number, targets: (r: number) => number[], asFloat: boolean): Uint32Array {
  const ld = features + targets(0).length;
  const words = new Uint32Array(rows * ld);
  const f = new Float32Array(words.buffer);
  const noise = randoms(rows * features, 99);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < features; c++) f[r * ld + c] = noise[r * features + c];
    targets(r).forEach((t, j) => (asFloat ? (f[r * ld + features + j] = t) : (words[r * ld + features + j] = t)));
  }
  return words;
}

describe.skipIf(!ctx)('loss kernels', () => {
  it('computes_softmax_cross_entropy_its_gradient_and_batch_statistics', async () => {
    const [rows, classes, features] = [13, 7, 4];
    const logits = randoms(rows * classes, 20).map((x) => x * 4);
    const labels = Array.from({ length: rows }, (_, r) => (r === 5 ? 99 : (r * 3) % classes)); // row 5: out of range
    const batch = batchRows(rows, features, (r) => [labels[r]], false);
    const grad = storage(ctx!, rows * classes);
    const stats = storage(ctx!, 16);
    const threads = lossThreads(ctx!.limits.maxInvocations);
    const kernel = softmaxCrossEntropyKernel({
      rows,
      width: classes,
      batchLd: features + 1,
      targetColumn: features,
      backward: true,
      threads,
      probabilities: false,
      classStats: false,
      stride: 4,
    });
    await runKernels(ctx!, [[kernel, { output: storage(ctx!, logits), batch: storage(ctx!, batch), grad, stats, step: stepRecord(ctx!, { slot: 2 }) }]]);
    const wantGrad: number[] = [];
    let loss = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const l = Array.from(logits.subarray(r * classes, (r + 1) * classes));
      const mx = Math.max(...l);
      const sum = l.reduce((s, x) => s + Math.exp(x - mx), 0);
      const valid = labels[r] < classes;
      if (valid) loss += mx + Math.log(sum) - l[labels[r]];
      if (valid && l.indexOf(mx) === labels[r]) correct++;
      l.forEach((x, c) => wantGrad.push(valid ? Math.exp(x - mx) / sum - (c === labels[r] ? 1 : 0) : 0));
    }
    expect(relError(await readFloats(ctx!, grad, rows * classes), wantGrad)).toBeLessThan(1e-6);
    const s = await readFloats(ctx!, stats, 4, 8);
    expect(s[0]).toBeCloseTo(loss, 4);
    expect(s[1]).toBe(correct);
    expect(s[2]).toBe(rows);
  });

  it('counts_per_class_hits_predictions_labels_and_label_ranks_when_asked', async () => {
    const [rows, classes] = [40, 5];
    const logits = randoms(rows * classes, 23).map((x) => Math.round(x * 3)); // small integers: ties happen
    const labels = Array.from({ length: rows }, (_, r) => (r === 7 ? 9 : (r * 7) % classes)); // row 7: out of range
    const stride = statsStride(classes, true);
    const stats = storage(ctx!, 3 * stride);
    const kernel = softmaxCrossEntropyKernel({
      rows,
      width: classes,
      batchLd: 1,
      targetColumn: 0,
      backward: false,
      threads: 8,
      probabilities: false,
      classStats: true,
      stride,
    });
    await runKernels(ctx!, [
      [kernel, { output: storage(ctx!, logits), batch: storage(ctx!, new Uint32Array(labels)), stats, step: stepRecord(ctx!, { slot: 2 }) }],
    ]);
    const want = new Array<number>(4 * classes).fill(0);
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const l = Array.from(logits.subarray(r * classes, (r + 1) * classes));
      const arg = l.indexOf(Math.max(...l)); // the first maximum, as tf.argMax
      want[classes + arg]++;
      if (labels[r] >= classes) continue;
      want[2 * classes + labels[r]]++;
      if (arg === labels[r]) want[labels[r]]++, correct++;
      want[3 * classes + l.filter((x) => x > l[labels[r]]).length]++;
    }
    const s = await readFloats(ctx!, stats, stride, 2 * stride);
    expect(s[1]).toBe(correct);
    expect(Array.from(s.subarray(4))).toEqual(want);
  });

  it('caps_the_loss_and_drops_the_gradient_of_rows_whose_softmax_output_is_clipped', async () => {
    const [rows, classes] = [3, 4];
    const logits = new Float32Array([0, 1, 2, 3, -30, 0, 0, 0, 1, 1, 1, 1]);
    const labels = [3, 0, 2];
    const grad = storage(ctx!, rows * classes);
    const stats = storage(ctx!, 4);
    const kernel = softmaxCrossEntropyKernel({
      rows,
      width: classes,
      batchLd: 1,
      targetColumn: 0,
      backward: true,
      threads: 4,
      probabilities: true,
      classStats: false,
      stride: 4,
    });
    await runKernels(ctx!, [
      [kernel, { output: storage(ctx!, logits), batch: storage(ctx!, new Uint32Array(labels)), grad, stats, step: stepRecord(ctx!, {}) }],
    ]);
    const g = await readFloats(ctx!, grad, rows * classes);
    expect(Array.from(g.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(g[3]).toBeLessThan(0);
    const s = await readFloats(ctx!, stats, 4);
    const p0 = Math.exp(3) / (1 + Math.E + Math.exp(2) + Math.exp(3));
    expect(s[0]).toBeCloseTo(-Math.log(p0) - Math.log(1e-7) - Math.log(0.25), 4);
  });

  it('computes_mean_squared_error_its_gradient_and_statistics_without_writing_a_gradient_when_validating', async () => {
    const [rows, width, features] = [9, 3, 5];
    const out = randoms(rows * width, 21);
    const targets = randoms(rows * width, 22);
    const batch = batchRows(rows, features, (r) => Array.from(targets.subarray(r * width, (r + 1) * width)), true);
    const grad = storage(ctx!, rows * width);
    const stats = storage(ctx!, 8);
    const spec = { rows, width, batchLd: features + width, targetColumn: features, threads: 8, stride: 4 };
    const bound = { output: storage(ctx!, out), batch: storage(ctx!, batch), grad, stats };
    await runKernels(ctx!, [
      [mseKernel({ ...spec, backward: true }), { ...bound, step: stepRecord(ctx!, { slot: 0 }) }],
      [mseKernel({ ...spec, backward: false }), { ...bound, step: stepRecord(ctx!, { slot: 1 }) }],
    ]);
    const d = Array.from(out, (y, i) => y - targets[i]);
    expect(
      relError(
        await readFloats(ctx!, grad, rows * width),
        d.map((x) => (2 * x) / width),
      ),
    ).toBeLessThan(1e-6);
    const s = await readFloats(ctx!, stats, 8);
    const loss = d.reduce((a, x) => a + x * x, 0) / width;
    for (const at of [0, 4]) {
      expect(s[at]).toBeCloseTo(loss, 5);
      expect(s[at + 1]).toBeCloseTo(
        d.reduce((a, x) => a + Math.abs(x), 0),
        5,
      );
      expect(s[at + 2]).toBe(rows);
    }
  });
});

describe.skipIf(!ctx)('gather kernel', () => {
  it('copies_the_rows_the_epoch_order_names_from_the_step_offset_bit_for_bit', async () => {
    const [n, words, rows, row0] = [11, 5, 6, 4];
    const data = new Uint32Array(n * words).map((_, i) => (i * 2654435761) >>> 0); // includes NaN and denormal patterns
    const order = new Uint32Array([3, 9, 0, 10, 7, 1, 5, 2, 8, 6, 4]);
    const batch = storage(ctx!, rows * words);
    await runKernels(ctx!, [
      [
        gatherKernel({ rows, rowWords: words }, ctx!.limits.maxInvocations),
        { data: storage(ctx!, data), order: storage(ctx!, order), batch, step: stepRecord(ctx!, { row0 }) },
      ],
    ]);
    const got = new Uint32Array((await readFloats(ctx!, batch, rows * words)).buffer);
    const want = Array.from({ length: rows * words }, (_, i) => data[order[row0 + Math.floor(i / words)] * words + (i % words)]);
    expect(Array.from(got)).toEqual(want);
  });

  it('copies_every_word_of_a_batch_large_enough_that_each_thread_takes_several', async () => {
    // 3000 rows of 800 words: 2.4 M words, past the 8192 workgroups of 256 threads an element-wise kernel launches.
    const [n, words, rows] = [3001, 800, 3000];
    const data = new Uint32Array(n * words).map((_, i) => i);
    const order = Uint32Array.from({ length: n }, (_, i) => (i * 7) % n);
    const batch = storage(ctx!, rows * words);
    await runKernels(ctx!, [
      [
        gatherKernel({ rows, rowWords: words }, ctx!.limits.maxInvocations),
        { data: storage(ctx!, data), order: storage(ctx!, order), batch, step: stepRecord(ctx!, { row0: 1 }) },
      ],
    ]);
    const got = new Uint32Array((await readFloats(ctx!, batch, rows * words)).buffer);
    let wrong = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== order[1 + Math.floor(i / words)] * words + (i % words)) wrong++;
    expect(wrong).toBe(0);
  });
});
