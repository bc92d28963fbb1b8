import type { BasicScheduleConfig, SchedulerConfig, SequenceScheduleConfig } from './config';

/** The learning rate after `step` optimizer steps (0-based): a pure function, for the loop, tests and charts. */
export function lrAt(config: SchedulerConfig, step: number): number {
  if (!Number.isInteger(step) || step < 0) throw new Error(`schedule step must be a whole number >= 0, got ${step}`);
  return config.type === 'sequence' ? sequenceLr(config, step) : basicLr(config, step);
}

function basicLr(c: BasicScheduleConfig, step: number): number {
  switch (c.type) {
    case 'constant':
      return c.lr;
    case 'step':
      return c.lr * c.gamma ** Math.floor(step / c.stepSize);
    case 'exponential':
      return c.lr * c.gamma ** step;
    case 'cosine':
      return c.minLr + ((c.lr - c.minLr) * (1 + Math.cos((Math.PI * Math.min(step, c.steps)) / c.steps))) / 2;
    case 'linear':
      return c.from + ((c.to - c.from) * Math.min(step, c.steps)) / c.steps;
    case 'noam': {
      const n = step + 1;
      return c.factor * c.modelSize ** -0.5 * Math.min(n ** -0.5, n * c.warmupSteps ** -1.5);
    }
  }
}

/** Finds the part that owns `step` and asks it with the step counted from that part's start. */
function sequenceLr(c: SequenceScheduleConfig, step: number): number {
  let start = 0;
  for (let i = 0; i < c.parts.length - 1; i++) {
    const part = c.parts[i];
    if (step < start + part.steps) return basicLr(part.schedule, step - start);
    start += part.steps;
  }
  return basicLr(c.parts[c.parts.length - 1].schedule, step - start);
}
