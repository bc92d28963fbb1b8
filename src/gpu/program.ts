import type { KernelLimits } from './device';
import { statsStride, type KernelSource } from './kernels/common';
import { filterByTap, outputGradientTaps, unfoldedInput } from './kernels/conv';
import { dropoutKernel } from './kernels/dropout';
import { gatherKernel } from './kernels/gather';
import { gemmKernels, type GemmSpec } from './kernels/gemm';
import type { GemmEpilogue } from './kernels/gemm-epilogue';
import type { GemmTiling } from './kernels/gemm-tiling';
import { lossThreads, mseKernel, softmaxCrossEntropyKernel } from './kernels/losses';
import { poolBackwardKernel, poolForwardKernel } from './kernels/pool';
import { activationOf, type ModelPlan } from './plan';

/**
 * The kernels of one step for one batch size, as data: each kernel with the runtime buffers its
 * roles bind to, by name. `h<l>` is layer l's output (after activation and dropout), `g<l>` the
 * gradient with respect to its pre-activation; 'data' and 'order' are the split's dataset and
 * epoch order; 'part' is the split-K scratch; `i<l>` a max-pooling layer's argmax positions.
 */

/** A runtime buffer, by name. */
export type BufferName = 'data' | 'order' | 'batch' | 'params' | 'grads' | 'state' | 'stats' | 'step' | 'part' | `h${number}` | `g${number}` | `i${number}`;

/** One kernel of a program and what its roles bind to. */
export interface ProgramKernel {
  readonly kernel: KernelSource;
  readonly roles: Readonly<Record<string, BufferName>>;
}

/** The kernels of a step, in order, and the split-K scratch they need. */
export interface Program {
  readonly kernels: readonly ProgramKernel[];
  readonly partFloats: number;
}

/** What a program depends on besides the plan. */
export interface ProgramOptions {
  readonly rows: number;
  /** Words per dataset and batch row: the features, then the targets. */
  readonly rowWords: number;
  /** Training: dropout, the loss gradient and the backward pass; otherwise forward and statistics. */
  readonly training: boolean;
  readonly limits: KernelLimits;
  /** Per-class counts and label ranks in the statistics (classification); see `statsStride`. */
  readonly classStats: boolean;
  /** The tiling for a GEMM of C[m × n] with inner dimension k, labelled as its kernel is. */
  readonly tiling: (m: number, n: number, k: number, label: string) => GemmTiling;
}

/** Words a dataset row takes: features, then one label word or the regression targets. */
export function rowWords(plan: ModelPlan): number {
  return plan.inputSize + (plan.loss === 'mse' ? plan.outputs : 1);
}

/** A stored-matrix GEMM's A and B: A row-major with stride lda, B [k, n] from the packed params. */
function plain(lda: number, transB: boolean, ldb: number, bOffset: number) {
  return { transA: false, transB, lda, ldb, aOffset: 0, bOffset } as const;
}

/** Builds the step's kernels: gather, forward GEMMs, loss, then (training) the backward GEMMs. */
export function buildProgram(plan: ModelPlan, o: ProgramOptions): Program {
  const out: ProgramKernel[] = [];
  let partFloats = 0;
  const gemm = (spec: Omit<GemmSpec, 'tiling'>, roles: Record<string, BufferName>) => {
    const k = gemmKernels({ ...spec, tiling: o.tiling(spec.m, spec.n, spec.k, spec.label) }, o.limits);
    const bound = { ...roles, step: 'step', part: 'part' } as const;
    out.push({ kernel: k.main, roles: bound });
    if (k.reduce) out.push({ kernel: k.reduce, roles: bound });
    partFloats = Math.max(partFloats, k.partFloats);
  };
  const { rows } = o;
  const last = plan.layers.length - 1;
  out.push({
    kernel: gatherKernel({ rows, rowWords: o.rowWords }, o.limits.maxInvocations),
    roles: { data: 'data', order: 'order', batch: 'batch', step: 'step' },
  });
  if (o.training && plan.inputDropout) {
    const region = { rows, cols: plan.inputSize, ld: o.rowWords, offset: 0 };
    out.push({ kernel: dropoutKernel(plan.inputDropout, region, o.limits.maxInvocations), roles: { x: 'batch', step: 'step' } });
  }
  const input = (l: number): { name: BufferName; ld: number } =>
    l === 0 ? { name: 'batch', ld: o.rowWords } : { name: `h${l - 1}`, ld: plan.layers[l - 1].outputs };
  plan.layers.forEach((layer, l) => {
    const a = input(l);
    const dropout = o.training && layer.dropout ? layer.dropout : undefined;
    if (layer.kind === 'pool') {
      const pool = poolForwardKernel({ op: layer.op, geometry: layer.geometry, rows, inputLd: a.ld, dropout }, o.limits.maxInvocations);
      out.push({ kernel: pool, roles: { x: a.name, dst: `h${l}`, index: `i${l}`, step: 'step' } });
      return;
    }
    const epilogue = { kind: 'bias-act', biasOffset: layer.biasOffset, activation: layer.activation, dropout } as const;
    const roles = { a: a.name, b: 'params', dst: `h${l}`, src: 'params' } as const;
    if (layer.kind === 'dense') {
      gemm(
        {
          label: `${layer.name} forward`,
          m: rows,
          n: layer.outputs,
          k: layer.inputs,
          ...plain(a.ld, false, layer.outputs, layer.kernelOffset),
          ldc: layer.outputs,
          cOffset: 0,
          epilogue,
        },
        roles,
      );
      return;
    }
    const g = layer.geometry;
    gemm(
      {
        label: `${layer.name} forward`,
        m: rows * g.output.h * g.output.w,
        n: g.output.c,
        k: g.kh * g.kw * g.input.c,
        ...plain(0, false, g.output.c, layer.kernelOffset),
        aLoad: unfoldedInput(g, a.ld, 'row', 'kk'),
        ldc: g.output.c,
        cOffset: 0,
        epilogue,
      },
      roles,
    );
  });
  const classStats = o.classStats && plan.loss !== 'mse';
  const stride = statsStride(plan.outputs, classStats);
  const lossSpec = {
    rows,
    width: plan.outputs,
    batchLd: o.rowWords,
    targetColumn: plan.inputSize,
    backward: o.training,
    threads: lossThreads(o.limits.maxInvocations),
    stride,
  };
  const loss =
    plan.loss === 'mse' ? mseKernel(lossSpec) : softmaxCrossEntropyKernel({ ...lossSpec, probabilities: plan.loss === 'softmax-probabilities', classStats });
  out.push({ kernel: loss, roles: { output: `h${last}`, batch: 'batch', grad: `g${last}`, stats: 'stats', step: 'step' } });
  if (!o.training) return { kernels: out, partFloats };
  for (let l = last; l >= 0; l--) {
    const layer = plan.layers[l];
    const a = input(l);
    const below = l > 0 ? plan.layers[l - 1] : null;
    // The gradient with respect to the layer below's pre-activation: through its activation and
    // dropout (a linear layer without dropout, such as a pooling one, passes it as it is).
    const actGrad = (ldh: number): GemmEpilogue =>
      below && (activationOf(below) !== 'linear' || below.dropout)
        ? { kind: 'act-grad', activation: activationOf(below), hOffset: 0, ldh, dropout: below.dropout ?? undefined }
        : { kind: 'store' };
    if (layer.kind === 'pool') {
      if (!below) continue;
      // Max pooling over an activation, neither with dropout (that rescales stored outputs): the
      // activation's derivative at the pooled output.
      const fromPooled = layer.op === 'max' && !below.dropout && !layer.dropout && activationOf(below) !== 'linear' ? activationOf(below) : undefined;
      const spec = { op: layer.op, geometry: layer.geometry, rows, inputLd: a.ld };
      const pool = poolBackwardKernel(spec, fromPooled ? { kind: 'store' } : actGrad(layer.inputs), o.limits.maxInvocations, fromPooled);
      out.push({ kernel: pool, roles: { g: `g${l}`, index: `i${l}`, pooled: `h${l}`, dst: `g${l - 1}`, src: `h${l - 1}`, step: 'step' } });
      continue;
    }
    const bias = layer.biasOffset !== null ? 1 : 0;
    // Weight and bias gradients: [inputs (+1 ones row), outputs] = inputᵀ · g, added to the sum held.
    const weightGrad = {
      label: `${layer.name} weight gradient`,
      transA: true,
      transB: false,
      lda: a.ld,
      ldb: 0,
      aOffset: 0,
      bOffset: 0,
      cOffset: layer.kernelOffset,
      onesRow: bias === 1,
      epilogue: { kind: 'accumulate' },
    } as const;
    const weightRoles = { a: a.name, b: `g${l}`, dst: 'grads' } as const;
    // The input's gradient g · Wᵀ, times the activation derivative of the layer below.
    const inputRoles = { a: `g${l}`, b: 'params', dst: `g${l - 1}`, src: `h${l - 1}` } as const;
    if (layer.kind === 'dense') {
      gemm({ ...weightGrad, m: layer.inputs + bias, n: layer.outputs, k: rows, ldb: layer.outputs, ldc: layer.outputs }, weightRoles);
      if (!below) continue;
      gemm(
        {
          label: `${layer.name} input gradient`,
          m: rows,
          n: layer.inputs,
          k: layer.outputs,
          transA: false,
          transB: true,
          lda: layer.outputs,
          ldb: layer.outputs,
          ldc: layer.inputs,
          aOffset: 0,
          bOffset: layer.kernelOffset,
          cOffset: 0,
          epilogue: actGrad(below.outputs),
        },
        inputRoles,
      );
      continue;
    }
    const g = layer.geometry;
    const taps = g.kh * g.kw;
    gemm(
      {
        ...weightGrad,
        m: taps * g.input.c + bias,
        n: g.output.c,
        k: rows * g.output.h * g.output.w,
        aLoad: unfoldedInput(g, a.ld, 'kk', 'row'),
        ldb: g.output.c,
        ldc: g.output.c,
      },
      weightRoles,
    );
    if (!below) continue;
    gemm(
      {
        label: `${layer.name} input gradient`,
        m: rows * g.input.h * g.input.w,
        n: g.input.c,
        k: taps * g.output.c,
        transA: false,
        transB: true,
        lda: 0,
        ldb: 0,
        ldc: g.input.c,
        aOffset: 0,
        bOffset: 0,
        cOffset: 0,
        aLoad: outputGradientTaps(g, 'row', 'kk'),
        bLoad: filterByTap(g, layer.kernelOffset, 'kk', 'col'),
        epilogue: actGrad(g.input.c),
      },
      inputRoles,
    );
  }
  return { kernels: out, partFloats };
}
