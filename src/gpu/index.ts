export { CompiledTrainer } from './runtime';
export type { OptimizerState, Split, TrainerOptions } from './runtime';
export { MODEL_INPUT, planModel } from './plan';
export { readModelState, readModelWeights, writeModelState, writeModelWeights } from './weights';
export type {
  AddPlan,
  BatchNormPlan,
  ConvPlan,
  DensePlan,
  GlobalPoolPlan,
  LayerPlan,
  LossKind,
  ModelPlan,
  PlanResult,
  PoolPlan,
  Task,
  WeightSlot,
} from './plan';
export { GpuContext, kernelLimits, KERNEL_STORAGE_BUFFERS, softwareAdapter } from './device';
export type { Dispatch, KernelLimits } from './device';
export { chooseTiling, checkTiling, DEFAULT_TILING_POLICY } from './kernels/gemm-tiling';
export type { GemmTiling, TilingPolicy } from './kernels/gemm-tiling';
export { DEFAULT_TUNE } from './autotune';
export type { TuneOptions, TuneResult } from './autotune';
export { STATS_STRIDE, statsStride } from './kernels/common';
export { compiledWebGpu } from './factory';
