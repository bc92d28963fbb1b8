import { z } from 'zod';
import { OptimizerConfigSchema } from '../optim/config';
import { SchedulerConfigSchema } from '../schedule/config';
import { checkTensor, type PackedTensor } from './record';

/** The model record's payload, checked: every weight a well-formed, finite tensor. */
export interface ModelPayload {
  weights: PackedTensor[];
  /** Non-gradient state (BatchNormalization's moving statistics); empty when the record has none. */
  state: PackedTensor[];
}

/** The optimizer record's payload, checked (slots are lists of finite tensors, one per weight). */
export interface OptimPayload {
  type: z.infer<typeof OptimizerConfigSchema>['type'];
  config: z.infer<typeof OptimizerConfigSchema>;
  step: number;
  slots: { [slot: string]: PackedTensor[] };
}

const step = z.number().int().nonnegative();

const ProgressSchema = z.object({
  epoch: z.number().int().positive(),
  globalStep: step,
  dataOrder: z.object({ seed: z.number().int().nullable(), shuffle: z.boolean() }),
  rng: z.object({
    s: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
  }),
});

const SchedulerPayloadSchema = z.object({
  scheduler: z.object({ config: SchedulerConfigSchema, step }),
  progress: ProgressSchema,
});

/** The scheduler record's payload, checked: the schedule's config and step, and where training stood. */
export type SchedulerPayload = z.infer<typeof SchedulerPayloadSchema>;

/** `field: problem` of zod's first issue. */
function firstIssue(error: z.ZodError): string {
  const i = error.issues[0];
  return `${i?.path.join('.') || 'payload'}: ${i?.message ?? 'invalid'}`;
}

/** A list of tensors, each checked. */
function tensors(list: unknown, where: string): PackedTensor[] {
  if (!Array.isArray(list)) throw new Error(`${where} is not a list of tensors`);
  return list.map((t, i) => checkTensor(t, `${where}[${i}]`));
}

/** Checks a model record's payload; the error names the file and the tensor. */
export function checkModelPayload(payload: unknown, file: string): ModelPayload {
  const p = payload as { weights?: unknown; state?: unknown } | null;
  return { weights: tensors(p?.weights, `${file}: weights`), state: p?.state == null ? [] : tensors(p.state, `${file}: state`) };
}

/** Checks an optimizer record's payload: a known type, its config, a whole step count, finite slots. */
export function checkOptimPayload(payload: unknown, file: string): OptimPayload {
  const p = (payload ?? {}) as { [k: string]: unknown };
  // msgpack writes an absent option (`gradClipping: undefined`) as nil: read nil as absent.
  const written = p.config !== null && typeof p.config === 'object' ? Object.fromEntries(Object.entries(p.config).filter(([, v]) => v !== null)) : p.config;
  const config = OptimizerConfigSchema.safeParse(written);
  if (!config.success) throw new Error(`${file}: the optimizer config is invalid (${firstIssue(config.error)})`);
  if (p.type !== config.data.type) throw new Error(`${file}: optimizer type '${String(p.type)}' differs from its config's '${config.data.type}'`);
  if (!step.safeParse(p.step).success) throw new Error(`${file}: the optimizer's step ${String(p.step)} is not a whole number >= 0`);
  if (p.slots === null || typeof p.slots !== 'object' || Array.isArray(p.slots)) throw new Error(`${file}: the optimizer's slots are not a map`);
  const slots = Object.fromEntries(Object.entries(p.slots).map(([name, list]) => [name, tensors(list, `${file}: slot '${name}'`)]));
  return { type: config.data.type, config: config.data, step: p.step as number, slots };
}

/** Checks a scheduler record's payload: the schedule, its step, and progress of checkpoint `epoch`. */
export function checkSchedulerPayload(payload: unknown, file: string, epoch: number): SchedulerPayload {
  const parsed = SchedulerPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new Error(`${file}: invalid scheduler record (${firstIssue(parsed.error)})`);
  if (parsed.data.progress.epoch !== epoch) throw new Error(`${file}: holds the progress of epoch ${parsed.data.progress.epoch}, not ${epoch}`);
  return parsed.data;
}

/** Slots an optimizer record may hold per weight (RMSprop's ms, mg and momentum at most). */
export const MAX_SLOTS = 3;

/** Bytes a record's msgpack framing adds per tensor beyond its name and data, generously. */
const PER_TENSOR = 256;

/** Bytes a model record of these weights unpacks to at most, and an optimizer record with MAX_SLOTS of them. */
export function recordCeilings(weights: readonly { name: string; shape: readonly number[] }[]): { model: number; optim: number } {
  const model = weights.reduce((n, w) => n + PER_TENSOR + 3 * w.name.length + 4 * w.shape.reduce((a, b) => a * b, 1), 4096);
  return { model, optim: MAX_SLOTS * model + 64 * 1024 };
}
