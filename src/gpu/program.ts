import type { KernelLimits } from './device';
import { needsInput } from './kernels/activation';
import { statsStride, type KernelSource } from './kernels/common';
import { dropoutKernel } from './kernels/dropout';
import { gatherKernel } from './kernels/gather';
import { gemmKernels, type GemmSpec } from './kernels/gemm';
import type { GemmTiling } from './kernels/gemm-tiling';
import { lossThreads, mseKernel, softmaxCrossEntropyKernel } from './kernels/losses';
import { layerSteps, type GradientTarget, type Source, type StepBuilder } from './layers';
import { MODEL_INPUT, type LayerPlan, type ModelPlan } from './plan';

/**
 * The kernels of one step for one batch size, as data: each kernel with the runtime buffers its
 * roles bind to, by name. `h<l>` is layer l's output (after activation and dropout), `g<l>` the
 * gradient with respect to its pre-activation, `s<l>` its scratch (max pooling's argmax
 * positions, batch normalization's statistics); 'data' and 'order' are the split's dataset and
 * epoch order; 'part' is the split-K scratch; 'confusion' the validation's confusion counts.
 */

/** A runtime buffer, by name. */
export type BufferName =
  | 'data'
  | 'order'
  | 'batch'
  | 'params'
  | 'grads'
  | 'state'
  | 'stats'
  | 'step'
  | 'part'
  | 'confusion'
  | `h${number}`
  | `g${number}`
  | `s${number}`;

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
  /** Training: dropout, batch statistics, the loss gradient and the backward pass; otherwise forward and statistics. */
  readonly training: boolean;
  readonly limits: KernelLimits;
  /** Per-class counts and label ranks in the statistics (classification); see `statsStride`. */
  readonly classStats: boolean;
  /** Validation of a classifier counts its confusion matrix into 'confusion' (default: not). */
  readonly confusion?: boolean;
  /** The tiling for a GEMM of C[m × n] with inner dimension k, labelled as its kernel is. */
  readonly tiling: (m: number, n: number, k: number, label: string) => GemmTiling;
}

/** Words a dataset row takes: features, then one label word or the regression targets. */
export function rowWords(plan: ModelPlan): number {
  return plan.inputSize + (plan.loss === 'mse' ? plan.outputs : 1);
}

/** Whether a layer has weights. */
const weighted = (layer: LayerPlan) => layer.kind === 'dense' || layer.kind === 'conv' || layer.kind === 'batchnorm';

/**
 * Which layers need the gradient with respect to their output: those with weights at or below them.
 * The model input and layers fed only by it without weights (an input activation) need none.
 */
function gradientNeeded(plan: ModelPlan): boolean[] {
  const need: boolean[] = [];
  plan.layers.forEach((layer, l) => {
    need[l] = weighted(layer) || layer.sources.some((n) => n !== MODEL_INPUT && need[n]);
  });
  return need;
}

/**
 * Each layer's gradient buffer: its own, or (a linear layer without dropout whose one reader is an
 * Add) the Add's, whose gradient it equals, so that no pass copies it.
 */
function gradientBuffers(plan: ModelPlan): number[] {
  const readers = plan.layers.map(() => [] as number[]);
  plan.layers.forEach((layer, l) => {
    for (const n of layer.sources) if (n !== MODEL_INPUT) readers[n].push(l);
  });
  const owner = plan.layers.map((_, l) => l);
  for (let l = plan.layers.length - 1; l >= 0; l--) {
    const layer = plan.layers[l];
    const [reader] = readers[l];
    if (readers[l].length === 1 && plan.layers[reader].kind === 'add' && layer.activation === 'linear' && !layer.dropout) owner[l] = owner[reader];
  }
  return owner;
}

/** Builds the step's kernels: gather, each layer's forward kernels, the loss, then (training) each layer's backward ones in reverse. */
export function buildProgram(plan: ModelPlan, o: ProgramOptions): Program {
  const out: ProgramKernel[] = [];
  let partFloats = 0;
  const need = gradientNeeded(plan);
  const owner = gradientBuffers(plan);
  const written = new Set<number>();
  const input = (n: number): Source => (n === MODEL_INPUT ? { name: 'batch', ld: o.rowWords } : { name: `h${n}`, ld: plan.layers[n].outputs });
  const b: StepBuilder = {
    plan,
    options: o,
    dropout: (layer) => (o.training && layer.dropout ? layer.dropout : undefined),
    kernel: (kernel, roles) => out.push({ kernel, roles: { step: 'step', ...roles } }),
    gemm(spec: Omit<GemmSpec, 'tiling'>, roles) {
      const k = gemmKernels({ ...spec, tiling: o.tiling(spec.m, spec.n, spec.k, spec.label) }, o.limits);
      const bound = { ...roles, step: 'step', part: 'part' } as const;
      out.push({ kernel: k.main, roles: bound });
      if (k.reduce) out.push({ kernel: k.reduce, roles: bound });
      partFloats = Math.max(partFloats, k.partFloats);
    },
    input,
    grad: (l) => `g${owner[l]}`,
    gradientTo(n, from, width, bound): GradientTarget | null {
      if (n === MODEL_INPUT || !need[n] || owner[n] === owner[from]) return null;
      const below = plan.layers[n];
      // gelu and swish (their own layer, one source) take the derivative at their input.
      const src = needsInput(below.activation) ? input(below.sources[0]).name : input(n).name;
      const add = written.has(owner[n]);
      written.add(owner[n]);
      const dropout = below.dropout ?? undefined;
      const srcRole = bound && bound.name === src ? bound.role : undefined;
      const epilogue =
        below.activation !== 'linear' || dropout
          ? ({ kind: 'act-grad', activation: below.activation, hOffset: 0, ldh: width, dropout, add, srcRole } as const)
          : ({ kind: 'store', add } as const);
      return { dst: `g${owner[n]}`, src, epilogue, add };
    },
  };
  const { rows } = o;
  const last = plan.layers.length - 1;
  b.kernel(gatherKernel({ rows, rowWords: o.rowWords }, o.limits.maxInvocations), { data: 'data', order: 'order', batch: 'batch' });
  if (o.training && plan.inputDropout) {
    const region = { rows, cols: plan.inputSize, ld: o.rowWords, offset: 0 };
    b.kernel(dropoutKernel(plan.inputDropout, region, o.limits.maxInvocations), { x: 'batch' });
  }
  plan.layers.forEach((layer, l) => layerSteps(layer).forward(b, layer, l));
  const classStats = o.classStats && plan.loss !== 'mse';
  const lossSpec = {
    rows,
    width: plan.outputs,
    batchLd: o.rowWords,
    targetColumn: plan.inputSize,
    backward: o.training,
    threads: lossThreads(o.limits.maxInvocations),
    stride: statsStride(plan.outputs, classStats),
  };
  const loss =
    plan.loss === 'mse'
      ? mseKernel(lossSpec)
      : softmaxCrossEntropyKernel({ ...lossSpec, probabilities: plan.loss === 'softmax-probabilities', classStats, confusion: o.confusion });
  b.kernel(loss, { output: `h${last}`, batch: 'batch', grad: `g${last}`, stats: 'stats', confusion: 'confusion' });
  if (!o.training) return { kernels: out, partFloats };
  for (let l = last; l >= 0; l--) {
    const layer = plan.layers[l];
    if (need[l]) layerSteps(layer).backward(b, layer, l);
  }
  return { kernels: out, partFloats };
}
