import { describe, expect, it } from 'vitest';
import { gemmKernels, type GemmSpec } from '../../../src/gpu/kernels/gemm';
import type { GemmEpilogue } from '../../../src/gpu/kernels/gemm-epilogue';
import { checkTiling, chooseTiling, DEFAULT_TILING_POLICY, tilingPolicy, type GemmTiling } from '../../../src/gpu/kernels/gemm-tiling';
import { largestFlat } from '../../../src/gpu/probe';
import type { Activation } from '../../../src/gpu/kernels/activation';
import { gpuOrSkip, readFloats, runKernels, stepRecord, storage } from './device';
import { randoms, refActivate, refDerivative, refGemm, relError } from './reference';

const ctx = await gpuOrSkip();
const SMALL: GemmTiling = { tm: 16, tn: 16, tk: 8, rm: 2, rn: 2, splitK: 1 };

/** Runs one GEMM (and its split-K sum) on the GPU; returns the whole output buffer. */
async function gpuGemm(
  spec: Omit<GemmSpec, 'label'>,
  a: Float32Array,
  b: Float32Array,
  dst: Float32Array,
  extra: { src?: Float32Array; accumulate?: number } = {},
): Promise<Float32Array> {
  const c = ctx!;
  const k = gemmKernels({ label: 'gemm', ...spec }, c.limits);
  const dstBuf = storage(c, dst);
  const roles = {
    a: storage(c, a),
    b: storage(c, b),
    dst: dstBuf,
    src: storage(c, extra.src ?? new Float32Array(4)),
    step: stepRecord(c, { accumulate: extra.accumulate ?? 0, seed: 5 }),
  };
  if (k.reduce) {
    const part = storage(c, k.partFloats);
    await runKernels(c, [
      [k.main, { ...roles, part }],
      [k.reduce, { ...roles, part }],
    ]);
  } else {
    await runKernels(c, [[k.main, roles]]);
  }
  return readFloats(c, dstBuf, dst.length);
}

/** A plain m × n × k spec with packed operands. */
function plain(
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  tiling: GemmTiling,
  epilogue: GemmEpilogue = { kind: 'store' },
): Omit<GemmSpec, 'label'> {
  return { m, n, k, transA, transB, lda: transA ? m : k, ldb: transB ? k : n, ldc: n, aOffset: 0, bOffset: 0, cOffset: 0, epilogue, tiling };
}

describe.skipIf(!ctx)('GEMM kernel', () => {
  it('multiplies_every_transpose_variant_on_shapes_that_are_not_tile_multiples', async () => {
    const [m, n, k] = [13, 7, 29];
    const a = randoms(m * k, 1);
    const b = randoms(k * n, 2);
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const got = await gpuGemm(plain(m, n, k, transA, transB, SMALL), a, b, new Float32Array(m * n));
      expect(relError(got, refGemm(a, b, m, n, k, transA, transB)), `transA=${transA} transB=${transB}`).toBeLessThan(1e-6);
    }
  });

  it('multiplies_with_register_tiles_of_2_to_8_a_side_and_split_k', async () => {
    const [m, n, k] = [77, 45, 50];
    const a = randoms(m * k, 3);
    const b = randoms(k * n, 4);
    // Then the variants the autotuner may pick: K tiles prefetched into registers, vec4 fragments
    // (with tile loads that do and do not divide evenly among the threads, and K groups of 8, 4, 1).
    for (const tiling of [
      { tm: 64, tn: 32, tk: 8, rm: 8, rn: 4, splitK: 1 },
      { tm: 32, tn: 32, tk: 16, rm: 4, rn: 2, splitK: 1 },
      { tm: 16, tn: 32, tk: 8, rm: 2, rn: 4, splitK: 2 },
      { tm: 64, tn: 32, tk: 8, rm: 8, rn: 4, splitK: 1, prefetch: true, vec4: true },
      { tm: 32, tn: 32, tk: 16, rm: 4, rn: 2, splitK: 3, prefetch: true },
      { tm: 32, tn: 16, tk: 4, rm: 4, rn: 4, splitK: 1, vec4: true },
      { tm: 24, tn: 16, tk: 5, rm: 2, rn: 4, splitK: 1, prefetch: true },
      { tm: 32, tn: 64, tk: 12, rm: 4, rn: 8, splitK: 2, vec4: true },
      { tm: 64, tn: 32, tk: 8, rm: 4, rn: 4, splitK: 2, vec4: true, prefetch: true, doubleBuffer: true },
      { tm: 32, tn: 16, tk: 4, rm: 2, rn: 2, splitK: 1, prefetch: true, doubleBuffer: true },
    ]) {
      checkTiling(tiling, ctx!.limits);
      for (const [transA, transB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const got = await gpuGemm(plain(m, n, k, transA, transB, tiling), a, b, new Float32Array(m * n));
        expect(relError(got, refGemm(a, b, m, n, k, transA, transB)), `${JSON.stringify(tiling)} transA=${transA} transB=${transB}`).toBeLessThan(1e-6);
      }
    }
  });

  it('multiplies_larger_odd_shapes_with_the_chosen_tiling', async () => {
    const [m, n, k] = [37, 70, 45];
    const tiling = chooseTiling(m, n, k, ctx!.limits);
    checkTiling(tiling, ctx!.limits);
    const a = randoms(m * k, 3);
    const b = randoms(k * n, 4);
    const got = await gpuGemm(plain(m, n, k, false, true, tiling), a, b, new Float32Array(m * n));
    expect(relError(got, refGemm(a, b, m, n, k, false, true))).toBeLessThan(1e-6);
  });

  it('multiplies_with_an_eight_by_eight_register_tile', async () => {
    const [m, n, k] = [70, 133, 21];
    const tiling = { tm: 64, tn: 128, tk: 8, rm: 8, rn: 8, splitK: 1 };
    checkTiling(tiling, ctx!.limits);
    const a = randoms(k * m, 31);
    const b = randoms(n * k, 32);
    const got = await gpuGemm(plain(m, n, k, true, true, tiling), a, b, new Float32Array(m * n));
    expect(relError(got, refGemm(a, b, m, n, k, true, true))).toBeLessThan(1e-6);
  });

  it('reads_and_writes_at_offsets_with_row_strides', async () => {
    const [m, n, k, lda, ldc] = [9, 5, 6, 8, 7];
    const a = randoms(3 + m * lda, 5);
    const b = randoms(11 + k * n, 6);
    const dst = new Float32Array(2 + m * ldc).fill(-7);
    const got = await gpuGemm({ ...plain(m, n, k, false, false, SMALL), lda, ldc, aOffset: 3, bOffset: 11, cOffset: 2 }, a, b, dst);
    const packedA = Array.from({ length: m * k }, (_, i) => a[3 + Math.floor(i / k) * lda + (i % k)]);
    const want = refGemm(packedA, b.subarray(11), m, n, k, false, false);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(got[2 + i * ldc + j]).toBeCloseTo(want[i * n + j], 5);
    expect(got[0]).toBe(-7);
    expect(got[2 + ldc - 1]).toBe(-7); // the gap between rows is left alone
  });

  it('adds_the_bias_and_applies_each_activation', async () => {
    const [m, n, k] = [11, 6, 10];
    const a = randoms(m * k, 7);
    const b = randoms(k * n, 8);
    const params = randoms(20, 9);
    for (const activation of ['linear', 'relu', 'tanh', 'sigmoid'] as Activation[]) {
      const got = await gpuGemm(plain(m, n, k, false, false, SMALL, { kind: 'bias-act', biasOffset: 4, activation }), a, b, new Float32Array(m * n), {
        src: params,
      });
      const z = refGemm(a, b, m, n, k, false, false);
      const want = z.map((v, i) => refActivate(activation, v + params[4 + (i % n)]));
      expect(relError(got, want), activation).toBeLessThan(1e-6);
    }
  });

  it('masks_the_product_with_the_activation_derivative_from_a_saved_output', async () => {
    const [m, n, k, ldh] = [12, 9, 5, 10];
    const a = randoms(m * k, 10);
    const b = randoms(n * k, 11);
    const h = randoms(3 + m * ldh, 12).map((x) => x * 0.9);
    for (const activation of ['linear', 'relu', 'tanh', 'sigmoid'] as Activation[]) {
      const saved = activation === 'sigmoid' ? h.map((x) => (x + 1) / 2) : h;
      const got = await gpuGemm(plain(m, n, k, false, true, SMALL, { kind: 'act-grad', activation, hOffset: 3, ldh }), a, b, new Float32Array(m * n), {
        src: saved,
      });
      const prod = refGemm(a, b, m, n, k, false, true);
      const want = prod.map((v, i) => v * refDerivative(activation, saved[3 + Math.floor(i / n) * ldh + (i % n)]));
      expect(relError(got, want), activation).toBeLessThan(1e-6);
    }
  });

  it('accumulates_into_the_output_only_when_the_step_says_so', async () => {
    const [m, n, k] = [7, 5, 9];
    const a = randoms(m * k, 13);
    const b = randoms(k * n, 14);
    const held = randoms(m * n, 15);
    const prod = refGemm(a, b, m, n, k, false, false);
    const spec = plain(m, n, k, false, false, SMALL, { kind: 'accumulate' });
    expect(relError(await gpuGemm(spec, a, b, held, { accumulate: 0 }), prod)).toBeLessThan(1e-6);
    expect(
      relError(
        await gpuGemm(spec, a, b, held, { accumulate: 1 }),
        prod.map((v, i) => v + held[i]),
      ),
    ).toBeLessThan(1e-6);
  });

  it('computes_weight_and_bias_gradients_in_one_pass_with_a_ones_row_and_split_k', async () => {
    // dW = hᵀ·dZ for h [batch, in] and dZ [batch, out]; the ones row adds the bias gradient Σ_b dZ.
    const [batch, inputs, outputs] = [53, 6, 3];
    const h = randoms(batch * inputs, 16);
    const dz = randoms(batch * outputs, 17);
    const dW = refGemm(h, dz, inputs, outputs, batch, true, false);
    const db = Array.from({ length: outputs }, (_, j) => Array.from({ length: batch }, (_, r) => dz[r * outputs + j]).reduce((x, y) => x + y));
    const want = [...dW, ...db];
    for (const splitK of [1, 3, 4]) {
      const spec = { ...plain(inputs + 1, outputs, batch, true, false, { ...SMALL, splitK }, { kind: 'accumulate' }), lda: inputs, onesRow: true };
      const got = await gpuGemm(spec, h, dz, new Float32Array(want.length));
      expect(relError(got, want), `splitK=${splitK}`).toBeLessThan(1e-6);
    }
  });
});

describe('GEMM tiling choice', () => {
  const limits = {
    maxInvocations: 128,
    maxWorkgroupStorage: 16384,
    maxWorkgroupsPerDim: 65535,
    maxStorageBuffers: 8,
    maxStorageBindingSize: 1 << 27,
    maxBufferSize: 1 << 28,
    uniformAlignment: 256,
  };

  it('fits_the_lowest_limits_for_every_shape_of_an_mlp_step', () => {
    for (const [m, n, k] of [
      [64, 128, 784],
      [4096, 1024, 1024],
      [1025, 10, 4096],
      [7, 3, 5],
      [785, 128, 64],
    ])
      checkTiling(chooseTiling(m, n, k, limits), limits);
  });

  it('splits_k_for_a_skinny_output_with_a_long_inner_dimension', () => {
    expect(chooseTiling(1025, 10, 4096, limits).splitK).toBeGreaterThan(1);
    expect(chooseTiling(4096, 1024, 1024, limits).splitK).toBe(1);
    expect(chooseTiling(129, 10, 64, limits).splitK).toBe(1);
  });

  it('keeps_64_wide_tiles_and_splits_k_for_a_convolution_weight_gradient', () => {
    // conv 3×3, 64 → 64 channels at 14 × 14, batch 256: [577, 64] summed over 50,176 pixels.
    expect(chooseTiling(577, 64, 50176, limits)).toMatchObject({ tm: 64, tn: 64, splitK: 106 }); // eight waves of 132
  });

  it('sizes_grids_and_k_splits_to_the_gpu_so_a_small_one_is_not_over_split', () => {
    const roomy = { ...limits, maxInvocations: 1024, maxWorkgroupStorage: 32768 };
    // An H100 or H200 runs 132 large workgroups at once: the policy is the one measured there.
    expect(tilingPolicy(132)).toEqual(DEFAULT_TILING_POLICY);
    // A laptop GPU of 8 compute units, as the probe would measure it.
    const small = tilingPolicy(8);
    const scratch = (t: { splitK: number }, m: number, n: number) => (t.splitK > 1 ? t.splitK * m * n * 4 : 0);
    // A convolution's weight gradient ([577 × 64] over 50,176 pixels): its 10 tiles leave most of an
    // H100 idle, so K is split 106 ways there (15 MB of scratch); they fill the small GPU as they are.
    const convLarge = chooseTiling(577, 64, 50176, roomy);
    const convSmall = chooseTiling(577, 64, 50176, roomy, small);
    expect([convLarge.splitK, convSmall.splitK]).toEqual([106, 1]);
    expect([scratch(convLarge, 577, 64), scratch(convSmall, 577, 64)]).toEqual([106 * 577 * 64 * 4, 0]);
    // Its 64-row twin (2 tiles) is split for eight waves of the small GPU: 32 ways, not 392.
    expect([chooseTiling(65, 64, 50176, roomy).splitK, chooseTiling(65, 64, 50176, roomy, small).splitK]).toEqual([392, 32]);
    // The wide MLP's first weight gradient ([785 × 1024], K 4096): its 56 big tiles are 7 waves
    // of the small GPU, so K stays whole there; on the large one it is split 8 ways.
    expect(chooseTiling(785, 1024, 4096, roomy)).toMatchObject({ tm: 128, tn: 128, splitK: 8 });
    expect(chooseTiling(785, 1024, 4096, roomy, small)).toMatchObject({ tm: 128, tn: 128, splitK: 1 });
    // A skinny weight gradient ([129 × 10] over 4096) splits for 8 small waves, not for 8 of 132 (bounded by K's 128 a split).
    expect(chooseTiling(129, 10, 4096, roomy, small).splitK).toBeLessThan(chooseTiling(129, 10, 4096, roomy).splitK);
    // Tiles fill the small GPU without shrinking to 16 × 16 for an H100's grid.
    expect(chooseTiling(256, 128, 64, roomy, small)).toMatchObject({ tm: 64, tn: 64 });
    expect(chooseTiling(256, 128, 64, roomy).tm).toBeLessThan(64);
  });

  it('finds_how_many_workgroups_a_gpu_runs_at_once_from_where_a_grid_stops_being_flat', async () => {
    for (const units of [1, 8, 28, 132, 1000]) {
      const asked: number[] = [];
      const found = await largestFlat(async (n) => (asked.push(n), n <= units), 4096);
      expect(found).toBe(units);
      expect(asked.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(units + 1)) + 1);
    }
    expect(await largestFlat(async () => true, 4096)).toBe(4096); // never steps up: as large as the policy needs
  });

  it('keeps_split_k_scratch_within_what_one_storage_buffer_binds', () => {
    const tight = { ...limits, maxStorageBindingSize: 4 * 577 * 64 * 10 };
    expect(chooseTiling(577, 64, 50176, tight).splitK).toBe(10);
  });

  it('takes_128_wide_tiles_for_large_products_where_the_device_allows_256_threads', () => {
    const roomy = { ...limits, maxInvocations: 1024, maxWorkgroupStorage: 49152 };
    expect(chooseTiling(4096, 1024, 1024, roomy)).toMatchObject({ tm: 128, tn: 128, rm: 8, rn: 8 });
    expect(chooseTiling(4096, 1024, 1024, limits).tm).toBe(64);
    // 72 such tiles would leave SMs idle: K split for more waves where it is long, else 64 × 64 tiles.
    expect(chooseTiling(1025, 1024, 4096, roomy)).toMatchObject({ tm: 128, tn: 128, splitK: 8 }); // 512 of K each
    expect(chooseTiling(1025, 1024, 1024, roomy)).toMatchObject({ tm: 128, tn: 128, splitK: 2 });
    expect(chooseTiling(1025, 1024, 512, roomy)).toMatchObject({ tm: 64, tn: 64, splitK: 1 }); // too short to split big tiles
  });

  it('takes_the_policy_s_variants_and_drops_the_second_buffer_before_shrinking_k_tiles', () => {
    const policy = { ...DEFAULT_TILING_POLICY, vec4: true, prefetch: true, doubleBuffer: true, bigTk: 16 };
    const roomy = { ...limits, maxInvocations: 256, maxWorkgroupStorage: 49152 };
    expect(chooseTiling(4096, 1024, 1024, roomy, policy)).toMatchObject({ tm: 128, rm: 8, tk: 16, vec4: true, prefetch: true, doubleBuffer: true });
    expect(chooseTiling(4096, 1024, 1024, roomy, { ...policy, bigTk: 8 })).toMatchObject({ tm: 128, tk: 8, doubleBuffer: true });
    expect(chooseTiling(4096, 64, 1024, roomy, { ...policy, bigTk: 8 })).toMatchObject({ tm: 64, tk: 16 }); // bigTk is for 128 × 128 only
    // Tall, narrow products (convolutions) get 128-row tiles as wide as their columns, tk 16 where 32 wide.
    expect(chooseTiling(200704, 32, 576, roomy, { ...policy, bigTk: 8 })).toMatchObject({ tm: 128, tn: 32, rm: 8, rn: 4, tk: 16, vec4: true });
    expect(chooseTiling(200704, 64, 288, roomy, { ...policy, bigTk: 8 })).toMatchObject({ tm: 128, tn: 64, rm: 8, rn: 8, tk: 8, vec4: true });
    // 16 KiB: two 128 × 128 buffers fit only at tk 4, so one buffer of tk 16 (16,896 bytes) does not either: tk 8.
    const tight = { ...roomy, maxWorkgroupStorage: 16384 };
    const t = chooseTiling(4096, 1024, 1024, tight, policy);
    expect(t).toMatchObject({ tm: 128, tk: 8, prefetch: true });
    expect(t.doubleBuffer).toBeUndefined();
    // A 32-wide output gets 4 × 4 register tiles (vec4), a 16-wide one 2-wide tiles (no vec4).
    expect(chooseTiling(16384, 32, 64, roomy, policy)).toMatchObject({ tm: 64, rm: 4, tn: 32, rn: 4, vec4: true });
    expect(chooseTiling(4096, 10, 64, roomy, policy)).toMatchObject({ tn: 16, rn: 2 });
    expect(chooseTiling(4096, 10, 64, roomy, policy).vec4).toBeUndefined();
  });

  it('rejects_a_tiling_with_more_threads_than_the_device_allows', () => {
    expect(() => checkTiling({ tm: 64, tn: 64, tk: 16, rm: 4, rn: 4, splitK: 1 }, limits)).toThrow(/256 threads, the device allows 128/);
    expect(() => checkTiling({ tm: 32, tn: 32, tk: 16, rm: 2, rn: 4, splitK: 1, vec4: true }, limits)).toThrow(
      /vec4 fragments need rm and rn to be multiples of 4/,
    );
  });
});
