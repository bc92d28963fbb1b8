export { CompiledTrainer } from './runtime';
export type { OptimizerState, Split, TrainerOptions } from './runtime';
export { planModel, readModelWeights, writeModelWeights } from './plan';
export type { DensePlan, LossKind, ModelPlan, PlanResult, Task, WeightSlot } from './plan';
export { GpuContext, kernelLimits, KERNEL_STORAGE_BUFFERS } from './device';
export type { Dispatch, KernelLimits } from './device';
export { chooseTiling, checkTiling, DEFAULT_TILING_POLICY } from './kernels/gemm-tiling';
export type { GemmTiling, TilingPolicy } from './kernels/gemm-tiling';
export { STATS_STRIDE } from './kernels/common';
