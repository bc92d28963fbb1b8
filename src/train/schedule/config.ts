import { z } from 'zod';
import { parseConfig } from '../config';

const num = (what: string) => z.number({ error: `${what} must be a finite number` });
const positive = (what: string) => num(what).positive({ error: `${what} must be > 0` });
const nonNegative = (what: string) => num(what).nonnegative({ error: `${what} must be >= 0` });
const count = (what: string) =>
  num(what)
    .int({ error: `${what} must be a whole number` })
    .min(1, { error: `${what} must be >= 1` });

/** The same learning rate at every step. */
export const ConstantScheduleSchema = z.strictObject({ type: z.literal('constant'), lr: positive('lr') });

/** lr·γ^floor(step / stepSize). */
export const StepScheduleSchema = z.strictObject({
  type: z.literal('step'),
  lr: positive('lr'),
  stepSize: count('stepSize'),
  gamma: positive('gamma').default(0.1),
});

/** lr·γ^step. */
export const ExponentialScheduleSchema = z.strictObject({
  type: z.literal('exponential'),
  lr: positive('lr'),
  gamma: positive('gamma'),
});

/** Half a cosine from lr down to minLr over `steps`, then minLr. */
export const CosineScheduleSchema = z.strictObject({
  type: z.literal('cosine'),
  lr: positive('lr'),
  minLr: nonNegative('minLr').default(0),
  steps: count('steps'),
});

/** A straight line from `from` to `to` over `steps`, then `to` (linear warm-up or decay). */
export const LinearScheduleSchema = z.strictObject({
  type: z.literal('linear'),
  from: nonNegative('from'),
  to: nonNegative('to'),
  steps: count('steps'),
});

/** The Transformer paper's schedule: factor·modelSize^-0.5·min(n^-0.5, n·warmupSteps^-1.5), n = step + 1. */
export const NoamScheduleSchema = z.strictObject({
  type: z.literal('noam'),
  factor: positive('factor').default(1),
  warmupSteps: count('warmupSteps'),
  modelSize: count('modelSize'),
});

/** Every schedule that can be a part of a sequence. */
export const BasicScheduleSchema = z.discriminatedUnion('type', [
  ConstantScheduleSchema,
  StepScheduleSchema,
  ExponentialScheduleSchema,
  CosineScheduleSchema,
  LinearScheduleSchema,
  NoamScheduleSchema,
]);

/** Schedules run one after another, each from its own step 0; the last part continues forever. */
export const SequenceScheduleSchema = z.strictObject({
  type: z.literal('sequence'),
  parts: z
    .array(z.strictObject({ schedule: BasicScheduleSchema, steps: count('steps') }), {
      error: 'parts must be a list of {schedule, steps}',
    })
    .min(1, { error: 'a sequence needs at least one part' }),
});

/** Any learning-rate schedule, told apart by `type`; parsing fills the defaults. */
export const SchedulerConfigSchema = z.discriminatedUnion('type', [...BasicScheduleSchema.options, SequenceScheduleSchema]);

/** A validated schedule with every default filled in. */
export type SchedulerConfig = z.infer<typeof SchedulerConfigSchema>;
/** A schedule as a user writes it: defaults may be left out. */
export type SchedulerConfigInput = z.input<typeof SchedulerConfigSchema>;
/** A validated schedule that is not a sequence. */
export type BasicScheduleConfig = z.infer<typeof BasicScheduleSchema>;
/** A validated sequence of schedules. */
export type SequenceScheduleConfig = z.infer<typeof SequenceScheduleSchema>;

/** Validates a schedule and fills its defaults; throws an Error listing every problem. */
export function parseSchedulerConfig(input: SchedulerConfigInput): SchedulerConfig {
  return parseConfig(SchedulerConfigSchema, input, 'learning-rate schedule');
}

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Peak learning rate, reached when warm-up ends. */
  lr: number;
  /** Steps of linear warm-up; 0 for none. */
  warmupSteps: number;
  /** Total steps, warm-up included; the cosine reaches minLr here. */
  totalSteps: number;
  /** Floor of the cosine (default 0). */
  minLr?: number;
  /** Learning rate at step 0 of the warm-up (default 0). */
  warmupFrom?: number;
}

/** Linear warm-up from warmupFrom to lr, then a cosine down to minLr at totalSteps. */
export function warmupCosine(o: WarmupCosineOptions): SequenceScheduleConfig {
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0) {
    throw new Error(`warmupCosine: warmupSteps must be a whole number >= 0, got ${o.warmupSteps}`);
  }
  if (!(o.totalSteps > o.warmupSteps)) {
    throw new Error(`warmupCosine: totalSteps (${o.totalSteps}) must exceed warmupSteps (${o.warmupSteps})`);
  }
  const decaySteps = o.totalSteps - o.warmupSteps;
  const cosine = { type: 'cosine' as const, lr: o.lr, minLr: o.minLr ?? 0, steps: decaySteps };
  const warmup = { type: 'linear' as const, from: o.warmupFrom ?? 0, to: o.lr, steps: o.warmupSteps };
  const parts = [...(o.warmupSteps > 0 ? [{ schedule: warmup, steps: o.warmupSteps }] : []), { schedule: cosine, steps: decaySteps }];
  const r = SequenceScheduleSchema.safeParse({ type: 'sequence', parts });
  if (!r.success) throw new Error(`warmupCosine: invalid options:\n${z.prettifyError(r.error)}`);
  return r.data;
}
