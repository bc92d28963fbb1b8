export type { LrScheduler, SchedulerRecord } from './base';
export {
  BasicScheduleSchema,
  ConstantScheduleSchema,
  CosineScheduleSchema,
  ExponentialScheduleSchema,
  LinearScheduleSchema,
  NoamScheduleSchema,
  SchedulerConfigSchema,
  SequenceScheduleSchema,
  StepScheduleSchema,
  parseSchedulerConfig,
  warmupCosine,
} from './config';
export type {
  BasicScheduleConfig,
  SchedulerConfig,
  SchedulerConfigInput,
  SequenceScheduleConfig,
  WarmupCosineOptions,
} from './config';
export { lrAt } from './schedulers';
export { ConfiguredScheduler, createScheduler } from './scheduler';
