import type { KernelSource } from '../kernels/common';
import type { DropoutSpec } from '../kernels/dropout';
import type { GemmSpec } from '../kernels/gemm';
import type { GemmEpilogue } from '../kernels/gemm-epilogue';
import type { LayerPlan, ModelPlan } from '../plan';
import type { BufferName, ProgramOptions } from '../program';

/** Where a layer's source is: the buffer holding it and the words from one item to the next. */
export interface Source {
  readonly name: BufferName;
  readonly ld: number;
}

/**
 * How a kernel that has the gradient with respect to a source's output hands it on: into `dst`
 * through `epilogue` (the source's activation derivative and dropout mask, storing or, for a
 * second consumer, adding), reading the derivative's input from `src` (the role 'src', unless the
 * caller bound that buffer already under the role it named).
 */
export interface GradientTarget {
  readonly dst: BufferName;
  readonly src: BufferName;
  readonly epilogue: GemmEpilogue;
  /** Whether it adds to what dst holds (another consumer wrote first). */
  readonly add: boolean;
}

/** What a layer's kernels are built with: the plan, the options, and the program being built. */
export interface StepBuilder {
  readonly plan: ModelPlan;
  readonly options: ProgramOptions;
  /** The layer's dropout when training (its forward and backward masks), else undefined. */
  dropout(layer: LayerPlan): DropoutSpec | undefined;
  /** Adds a kernel, its roles bound to buffers (the step record is bound to 'step' by default). */
  kernel(kernel: KernelSource, roles: Record<string, BufferName>): void;
  /** Adds a GEMM's kernels (and its split-K sum), tiled as the options say. */
  gemm(spec: Omit<GemmSpec, 'tiling'>, roles: Record<string, BufferName>): void;
  /** Where source `n` (a layer, or MODEL_INPUT) is. */
  input(n: number): Source;
  /** The buffer of the gradient with respect to layer l's pre-activation. */
  grad(l: number): BufferName;
  /**
   * Where a gradient with respect to source n's output goes, or null when n needs none (the model
   * input, layers without weights below them, or a source whose gradient buffer is this one's).
   * `from` is the layer asking; `width` the row width its kernel stores with (the buffers are
   * contiguous, so the derivative's input is read at the same index); `bound` a role the kernel
   * already binds, read for the derivative's input when it is that buffer.
   */
  gradientTo(n: number, from: number, width: number, bound?: { role: string; name: BufferName }): GradientTarget | null;
}

/** A layer kind's part of the step: its forward kernels, then (training) its backward ones. */
export interface LayerSteps<L extends LayerPlan> {
  forward(b: StepBuilder, layer: L, l: number): void;
  /** Weight gradients and the gradients of its sources, given its own in `b.grad(l)`. */
  backward(b: StepBuilder, layer: L, l: number): void;
  /** A buffer of its own besides its output and gradient (max pooling's positions, batch statistics), in floats for a batch. */
  scratch?(layer: L, rows: number, maxThreads: number): number;
}
