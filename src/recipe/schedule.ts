import type { RunConfig } from '../protocol/run-config';
import { warmupCosine, type SchedulerConfigInput } from '../train/schedule/config';

/** The learning-rate schedule of a run over its optimizer steps (`stepsPerEpoch` of them an epoch). */
export function scheduleFor(config: RunConfig, stepsPerEpoch: number): SchedulerConfigInput | number {
  const { lr, schedule: s, epochs } = config;
  const total = Math.max(1, stepsPerEpoch * epochs);
  switch (s.type) {
    case 'constant':
      return lr;
    case 'step':
      return { type: 'step', lr, stepSize: Math.max(1, s.stepEpochs * stepsPerEpoch), gamma: s.gamma };
    case 'exponential':
      // The studio states gamma per epoch; the schedule applies it per step.
      return { type: 'exponential', lr, gamma: s.gamma ** (1 / Math.max(1, stepsPerEpoch)) };
    case 'cosine':
      return { type: 'cosine', lr, minLr: Math.min(s.minLr, lr), steps: total };
    case 'warmup-cosine':
      return warmupCosine({
        lr,
        minLr: Math.min(s.minLr, lr),
        warmupSteps: Math.min(total - 1, Math.round(s.warmupEpochs * stepsPerEpoch)),
        totalSteps: total,
      });
  }
}
