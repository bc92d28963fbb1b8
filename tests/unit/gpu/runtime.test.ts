import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planModel, type ModelPlan } from '../../../src/gpu/plan';
import { readModelWeights } from '../../../src/gpu/weights';
import { CompiledTrainer } from '../../../src/gpu/runtime';
import { createModel } from '../../../src/train/model';
import { parseOptimizerConfig } from '../../../src/train/optim';
import { candidateTilings, splitCandidates, tuneGemms, variantCandidates, type TunableGemm } from '../../../src/gpu/autotune';
import { gemmKernels } from '../../../src/gpu/kernels/gemm';
import { checkTiling, chooseTiling, tilingThreads, type GemmTiling } from '../../../src/gpu/kernels/gemm-tiling';
import { gpuOrSkip, stepRecord, storage } from './device';
import { randoms, relError } from './reference';

const ctx = await gpuOrSkip();
const ITEMS = 30;
const BATCH = 7;

let plan: ModelPlan;
let initial: Float32Array[];
const x = randoms(ITEMS * 10, 1);
const y = Int32Array.from(randoms(ITEMS, 2), (v) => Math.floor(((v + 1) / 2) * 5));

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = createModel({ type: 'mlp', hidden: [11], activation: 'relu', dropout: 0.2 }, { inputShape: [2, 5], outputs: 5 }, 1);
  const r = planModel(model, 'classification');
  if (!r.ok) throw new Error(r.reason);
  plan = r.plan;
  initial = readModelWeights(model);
});

/** A trainer with the test's model, its initial weights and the data uploaded. */
async function trainer(statsSlots = 64): Promise<CompiledTrainer> {
  const t = await CompiledTrainer.create(ctx!.device, plan, { batchSize: BATCH, optimizer: parseOptimizerConfig({ type: 'adam' }), statsSlots, seed: 9 });
  t.writeWeights(initial);
  await t.uploadDataset('train', x, y);
  await t.uploadDataset('valid', x, y);
  return t;
}

describe.skipIf(!ctx)('compiled trainer', () => {
  it('resumes_bit_for_bit_from_its_read_weights_and_optimizer_state', async () => {
    const a = await trainer();
    for (let s = 0; s < 5; s++) a.trainStep(s % 5, { lr: 0.01 });
    const [weights, state] = [await a.readWeights(), await a.readOptimizerState()];
    expect(state.step).toBe(5);
    const b = await trainer();
    // Dropout masks follow the step id, so b skips as many ids as a used.
    for (let s = 0; s < 5; s++) b.validStep(0);
    b.writeWeights(weights);
    b.writeOptimizerState(state);
    for (const t of [a, b]) for (let s = 0; s < 4; s++) t.trainStep(s, { lr: 0.01 });
    expect(await b.readWeights()).toEqual(await a.readWeights());
    expect(await b.readOptimizerState()).toEqual(await a.readOptimizerState());
    a.destroy();
    b.destroy();
  });

  it('reads_statistics_of_steps_submitted_together_across_the_ring_wrap', async () => {
    const t = await trainer(4);
    const single: Float32Array[] = [];
    for (let s = 0; s < 5; s++) single.push(await t.readStats(t.validStep(s), 1));
    const encoder = ctx!.device.createCommandEncoder();
    const ids = [2, 3, 4].map((s) => t.encodeValidStep(encoder, s)); // ids 5..7 use slots 1, 2, 3
    ctx!.device.queue.submit([encoder.finish()]);
    t.validStep(0); // id 8 wraps to slot 0
    const group = await t.readStats(ids[0], 4);
    expect(Array.from(group)).toEqual([...single[2], ...single[3], ...single[4], ...single[0]]);
    expect(Array.from(group.subarray(0, 12)).filter((_, i) => i % 4 === 2)).toEqual([7, 7, 2]); // rows: the last batch of 30 is 2
    await expect(t.readStats(ids[0] - 1, 1)).rejects.toThrow(/were overwritten: the ring holds the last 4 steps/);
    t.destroy();
  });

  it('refuses_optimizer_state_with_slots_it_does_not_keep', async () => {
    const t = await trainer();
    expect(() => t.writeOptimizerState({ step: 3, slots: { momentum: [] } })).toThrow(/has slots \[momentum\], this optimizer keeps \[m, v\]/);
    expect(() => t.writeWeights(initial.slice(1))).toThrow(/3 arrays for 4 weights/);
    t.destroy();
  });

  it('refuses_data_and_orders_that_do_not_fit_the_plan', async () => {
    const t = await trainer();
    await expect(t.uploadDataset('train', x.subarray(1), y)).rejects.toThrow(/expected 30 items × 10 features/);
    await expect(t.uploadDataset('train', x, Float32Array.from(y))).rejects.toThrow(/class labels must be an Int32Array/);
    await expect(t.setEpochOrder(new Int32Array([0, 30]))).rejects.toThrow(/names item 30, the train set has 30/);
    expect(() => t.trainStep(5, null)).toThrow(/train step 5 is outside the epoch's 5 steps/);
    t.destroy();
  });

  it('counts_the_validation_confusion_matrix_whose_diagonal_is_the_correct_count', async () => {
    const t = await trainer();
    for (let s = 0; s < 5; s++) t.trainStep(s, { lr: 0.05 });
    const pass = async () => {
      t.clearConfusion();
      const ids = Array.from({ length: t.stepsPerEpoch('valid') }, (_, s) => t.validStep(s));
      const stats = await t.readStats(ids[0], ids.length);
      const correct = ids.reduce((n, _, i) => n + stats[i * t.statsStride + 1], 0);
      return { counts: (await t.readConfusion())!, correct };
    };
    const { counts, correct } = await pass();
    expect(counts).toHaveLength(25);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ITEMS);
    expect([0, 1, 2, 3, 4].reduce((n, c) => n + counts[c * 5 + c], 0)).toBe(correct);
    // Each label's row holds as many items as carry that label.
    for (let c = 0; c < 5; c++) expect(counts.slice(c * 5, c * 5 + 5).reduce((a, b) => a + b, 0)).toBe(y.filter((l) => l === c).length);
    // Cleared, the next pass counts from nothing.
    expect((await pass()).counts).toEqual(counts);
    t.destroy();
  });

  it('autotunes_on_scratch_buffers_without_changing_what_the_steps_compute', async () => {
    const announced: number[] = [];
    const make = async (autotune: boolean) => {
      // A poor default (8 × 8 blocks) leaves the tuner something to win.
      const t = await CompiledTrainer.create(ctx!.device, plan, {
        batchSize: BATCH,
        optimizer: parseOptimizerConfig({ type: 'adam' }),
        seed: 9,
        tiling: () => ({ tm: 8, tn: 8, tk: 4, rm: 1, rn: 1, splitK: 1 }),
        autotune: autotune && { minFlops: 1500, reps: 2, budgetMs: 60000 }, // the two largest GEMMs
        onTuning: (gemms) => announced.push(gemms),
      });
      t.writeWeights(initial);
      await t.uploadDataset('train', x, y);
      for (let s = 0; s < 5; s++) t.trainStep(s % 5, { lr: 0.01 });
      return t;
    };
    const [plain, tuned, again] = [await make(false), await make(true), await make(true)];
    const labels = (await tuned.program('train', BATCH)).map((d) => d.label);
    expect(tuned.tuned!.timed).toBe(2);
    for (const [label, tiling] of tuned.tuned!.best) {
      expect(labels).toContain(label);
      expect(() => checkTiling(tiling, ctx!.limits)).not.toThrow();
    }
    expect(plain.tuned).toBeNull();
    // A second trainer in the process reuses what the first found for the same GEMMs.
    expect([...again.tuned!.best]).toEqual([...tuned.tuned!.best]);
    expect([tuned.tuned!.remembered, again.tuned!.remembered]).toEqual([0, 2]);
    expect(announced).toEqual([2]); // the wait is announced once: the second trainer starts at once
    again.destroy();
    const [a, b] = [await plain.readWeights(), await tuned.readWeights()];
    a.forEach((w, i) => expect(relError(b[i], w)).toBeLessThan(1e-5));
    plain.destroy();
    tuned.destroy();
  });

  it('offers_the_tuner_only_tilings_of_64_to_256_threads_that_divide_evenly', () => {
    const limits = { ...ctx!.limits, maxInvocations: 256, maxWorkgroupStorage: 32768 };
    const all = candidateTilings({ tm: 64, tn: 64, tk: 16, rm: 4, rn: 4, splitK: 1 }, 4096);
    expect(all.length).toBeGreaterThan(10);
    for (const t of all) {
      expect(() => checkTiling(t, limits)).not.toThrow();
      expect(tilingThreads(t)).toBeGreaterThanOrEqual(64);
    }
    expect(splitCandidates({ tm: 32, tn: 32, tk: 16, rm: 2, rn: 2, splitK: 1 }, 1000).map((t) => t.splitK)).toEqual([2, 4, 8]);
    // Then prefetch and vec4 fragments around the winner, where its register tile allows vec4s.
    expect(variantCandidates({ tm: 32, tn: 32, tk: 16, rm: 4, rn: 2, splitK: 1 }).map((t) => [t.prefetch, t.vec4])).toEqual([[true, undefined]]);
    expect(variantCandidates({ tm: 64, tn: 64, tk: 16, rm: 4, rn: 4, splitK: 1 }).map((t) => [t.prefetch, t.vec4])).toEqual([
      [true, undefined],
      [undefined, true],
      [true, true],
    ]);
    // A winner with prefetch also tries the second buffer, and candidates of other sizes keep the default's variants.
    const v = variantCandidates({ tm: 64, tn: 64, tk: 16, rm: 4, rn: 4, splitK: 1, prefetch: true, vec4: true });
    expect(v.map((t) => [t.prefetch, t.vec4, t.doubleBuffer])).toEqual([
      [undefined, true, undefined],
      [true, undefined, undefined],
      [undefined, undefined, undefined],
      [true, true, true],
    ]);
    const kept = candidateTilings({ tm: 128, tn: 128, tk: 16, rm: 8, rn: 8, splitK: 1, prefetch: true, vec4: true }, 4096);
    expect(kept.every((t) => t.prefetch && t.vec4 === (t.rm % 4 === 0 && t.rn % 4 === 0 ? true : undefined))).toBe(true);
    expect(kept.some((t) => t.rm === 2 && !t.vec4)).toBe(true);
  });

  it('streams_a_split_larger_than_its_gpu_buffer_in_chunks_with_the_same_results', async () => {
    // 11 words a row, 7 rows a batch: 616 bytes hold two batches, so 30 items come in chunks of 14.
    const make = async (maxResidentBytes?: number) => {
      const t = await CompiledTrainer.create(ctx!.device, plan, {
        batchSize: BATCH,
        optimizer: parseOptimizerConfig({ type: 'adam' }),
        seed: 9,
        maxResidentBytes,
      });
      t.writeWeights(initial);
      await t.uploadDataset('train', x, y);
      await t.uploadDataset('valid', x, y);
      return t;
    };
    const [whole, chunked] = [await make(), await make(616)];
    expect([whole.chunkRows('train'), chunked.chunkRows('train')]).toEqual([null, 14]);
    const stats: Float32Array[][] = [[], []];
    for (const [k, t] of [whole, chunked].entries()) {
      for (const epoch of [1, 2]) {
        await t.setEpochOrder(Int32Array.from(randoms(ITEMS, 40 + epoch), (_v, i) => i).sort((a, b) => Math.sin(a * epoch) - Math.sin(b * epoch)));
        const ids = Array.from({ length: t.stepsPerEpoch('train') }, (_, s) => t.trainStep(s, { lr: 0.01 }));
        stats[k].push(await t.readStats(ids[0], ids.length));
      }
      const v = Array.from({ length: t.stepsPerEpoch('valid') }, (_, s) => t.validStep(s));
      stats[k].push(await t.readStats(v[0], v.length));
    }
    expect(stats[1]).toEqual(stats[0]);
    expect(await chunked.readWeights()).toEqual(await whole.readWeights());
    // Recording a step whose chunk is not loaded is refused, naming what to do.
    await chunked.setEpochOrder(Int32Array.from({ length: ITEMS }, (_, i) => i));
    expect(() => chunked.encodeTrainStep(ctx!.device.createCommandEncoder(), 2, null)).toThrow(
      /train step 2 reads data chunk 1, which is not loaded: submit the recorded steps, then loadChunk\('train', 1\)/,
    );
    whole.destroy();
    chunked.destroy();
  });

  it('keeps_the_default_tiles_and_remembers_nothing_when_the_device_reports_an_error_while_tuning', async () => {
    const limits = ctx!.limits;
    const spec = (tiling: GemmTiling) =>
      gemmKernels(
        {
          label: 'g',
          m: 40,
          n: 24,
          k: 56,
          transA: false,
          transB: false,
          lda: 56,
          ldb: 24,
          ldc: 24,
          aOffset: 0,
          bOffset: 0,
          cOffset: 0,
          epilogue: { kind: 'store' },
          tiling,
        },
        limits,
      );
    const gemm: TunableGemm = {
      label: 'g',
      key: 'the test GEMM',
      k: 56,
      flops: 1e9,
      defaultTiling: chooseTiling(40, 24, 56, limits),
      build: (t) => {
        const k = spec(t);
        return {
          kernels: [k.main, k.reduce]
            .filter((x) => x !== null)
            .map((kernel) => ({ kernel, roles: { a: 'batch', b: 'params', dst: 'h0', part: 'part', step: 'step' } as const })),
          partFloats: k.partFloats,
        };
      },
    };
    // Every buffer handed to the candidates is destroyed: each submit is a validation error.
    const buffers = () => Object.fromEntries(['a', 'b', 'dst', 'part'].map((role) => [role, storage(ctx!, 40 * 24 * 64)]));
    const dead = buffers();
    for (const b of Object.values(dead)) b.destroy();
    const step = stepRecord(ctx!, {});
    const options = { minFlops: 0, reps: 1, budgetMs: 1000 };
    const broken = await tuneGemms(
      ctx!,
      [gemm],
      (k) => Object.fromEntries(Object.keys(k.roles).map((role) => [role, role === 'step' ? step : dead[role]])),
      new Uint32Array([0]),
      options,
    );
    expect(broken.failed).toMatch(/destroyed/);
    expect(broken.best.size).toBe(0);
    // Nothing of the failed search was remembered: a sound run times the GEMM again.
    const live = buffers();
    const sound = await tuneGemms(
      ctx!,
      [gemm],
      (k) => Object.fromEntries(Object.keys(k.roles).map((role) => [role, role === 'step' ? step : live[role]])),
      new Uint32Array([0]),
      options,
    );
    expect([sound.failed, sound.remembered, sound.timed]).toEqual([undefined, 0, 1]);
  });
});
