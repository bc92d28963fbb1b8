import type { KernelLimits } from './device';
import type { KernelSource } from './kernels/common';
import { dropoutKernel } from './kernels/dropout';
import { gatherKernel } from './kernels/gather';
import { gemmKernels, type GemmSpec } from './kernels/gemm';
import type { GemmTiling } from './kernels/gemm-tiling';
import { lossThreads, mseKernel, softmaxCrossEntropyKernel } from './kernels/losses';
import type { ModelPlan } from './plan';

/**
 * The kernels of one step for one batch size, as data: each kernel with the runtime buffers its
 * roles bind to, by name. `h<l>` is layer l's output (after activation and dropout), `g<l>` the
 * gradient with respect to its pre-activation; 'data' and 'order' are the split's dataset and
 * epoch order; 'part' is the split-K scratch.
 */

/** A runtime buffer, by name. */
export type BufferName = 'data' | 'order' | 'batch' | 'params' | 'grads' | 'state' | 'stats' | 'step' | 'part' | `h${number}` | `g${number}`;

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
  /** The tiling for a GEMM of C[m × n] with inner dimension k. */
  readonly tiling: (m: number, n: number, k: number) => GemmTiling;
}

/** Words a dataset row takes: features, then one label word or the regression targets. */
export function rowWords(plan: ModelPlan): number {
  return plan.inputSize + (plan.loss === 'mse' ? plan.outputs : 1);
}

/** Builds the step's kernels: gather, forward GEMMs, loss, then (training) the backward GEMMs. */
export function buildProgram(plan: ModelPlan, o: ProgramOptions): Program {
  const out: ProgramKernel[] = [];
  let partFloats = 0;
  const gemm = (spec: Omit<GemmSpec, 'tiling'>, roles: Record<string, BufferName>) => {
    const k = gemmKernels({ ...spec, tiling: o.tiling(spec.m, spec.n, spec.k) }, o.limits.maxWorkgroupsPerDim);
    const bound = { ...roles, step: 'step', part: 'part' } as const;
    out.push({ kernel: k.main, roles: bound });
    if (k.reduce) out.push({ kernel: k.reduce, roles: bound });
    partFloats = Math.max(partFloats, k.partFloats);
  };
  const { rows } = o;
  const last = plan.layers.length - 1;
  out.push({ kernel: gatherKernel({ rows, rowWords: o.rowWords }, o.limits.maxWorkgroupsPerDim), roles: { data: 'data', order: 'order', batch: 'batch', step: 'step' } });
  if (o.training && plan.inputDropout) {
    const region = { rows, cols: plan.inputSize, ld: o.rowWords, offset: 0 };
    out.push({ kernel: dropoutKernel(plan.inputDropout, region, o.limits.maxWorkgroupsPerDim), roles: { x: 'batch', step: 'step' } });
  }
  const input = (l: number): { name: BufferName; ld: number } => (l === 0 ? { name: 'batch', ld: o.rowWords } : { name: `h${l - 1}`, ld: plan.layers[l - 1].units });
  plan.layers.forEach((layer, l) => {
    const a = input(l);
    const dropout = o.training && layer.dropout ? layer.dropout : undefined;
    gemm(
      {
        label: `${layer.name} forward`, m: rows, n: layer.units, k: layer.inputs, transA: false, transB: false,
        lda: a.ld, ldb: layer.units, ldc: layer.units, aOffset: 0, bOffset: layer.kernelOffset, cOffset: 0,
        epilogue: { kind: 'bias-act', biasOffset: layer.biasOffset, activation: layer.activation, dropout },
      },
      { a: a.name, b: 'params', dst: `h${l}`, src: 'params' },
    );
  });
  const lossSpec = { rows, width: plan.outputs, batchLd: o.rowWords, targetColumn: plan.inputSize, backward: o.training, threads: lossThreads(o.limits.maxInvocations) };
  const loss = plan.loss === 'mse' ? mseKernel(lossSpec) : softmaxCrossEntropyKernel({ ...lossSpec, probabilities: plan.loss === 'softmax-probabilities' });
  out.push({ kernel: loss, roles: { output: `h${last}`, batch: 'batch', grad: `g${last}`, stats: 'stats', step: 'step' } });
  if (!o.training) return { kernels: out, partFloats };
  for (let l = last; l >= 0; l--) {
    const layer = plan.layers[l];
    const a = input(l);
    // Weight and bias gradients: [inputs (+1 ones row), units] = inputᵀ · g, added to the sum held.
    gemm(
      {
        label: `${layer.name} weight gradient`, m: layer.inputs + (layer.biasOffset !== null ? 1 : 0), n: layer.units, k: rows,
        transA: true, transB: false, lda: a.ld, ldb: layer.units, ldc: layer.units, aOffset: 0, bOffset: 0,
        cOffset: layer.kernelOffset, onesRow: layer.biasOffset !== null, epilogue: { kind: 'accumulate' },
      },
      { a: a.name, b: `g${l}`, dst: 'grads' },
    );
    if (l === 0) continue;
    const below = plan.layers[l - 1];
    // The input's gradient g · Wᵀ, times the activation derivative of the layer below.
    gemm(
      {
        label: `${layer.name} input gradient`, m: rows, n: layer.inputs, k: layer.units, transA: false, transB: true,
        lda: layer.units, ldb: layer.units, ldc: layer.inputs, aOffset: 0, bOffset: layer.kernelOffset, cOffset: 0,
        epilogue: { kind: 'act-grad', activation: below.activation, hOffset: 0, ldh: below.units, dropout: below.dropout ?? undefined },
      },
      { a: `g${l}`, b: 'params', dst: `g${l - 1}`, src: `h${l - 1}` },
    );
  }
  return { kernels: out, partFloats };
}
