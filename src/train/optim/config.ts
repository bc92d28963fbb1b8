import { z } from 'zod';
import { parseConfig } from '../config';

const num = (what: string) => z.number({ error: `${what} must be a finite number` });
const positive = (what: string) => num(what).positive({ error: `${what} must be > 0` });
const nonNegative = (what: string) => num(what).nonnegative({ error: `${what} must be >= 0` });
const fraction = (what: string) => nonNegative(what).lt(1, { error: `${what} must be in [0, 1)` });

/** Gradient clipping applied before the update: by global L2 norm, or elementwise by value. */
export const GradClippingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('norm'), maxNorm: positive('gradClipping.maxNorm') }),
  z.strictObject({ type: z.literal('value'), maxValue: positive('gradClipping.maxValue') }),
]);

/** SGD with optional momentum and Nesterov momentum (PyTorch semantics). */
export const SgdConfigSchema = z
  .strictObject({
    type: z.literal('sgd'),
    momentum: nonNegative('momentum').default(0),
    dampening: nonNegative('dampening').max(1, { error: 'dampening must be in [0, 1]' }).default(0),
    nesterov: z.boolean({ error: 'nesterov must be true or false' }).default(false),
    weightDecay: nonNegative('weightDecay').default(0),
    gradClipping: GradClippingSchema.optional(),
  })
  .refine((c) => !c.nesterov || (c.momentum > 0 && c.dampening === 0), {
    error: 'nesterov needs momentum > 0 and dampening = 0',
    path: ['nesterov'],
  });

/** Adam with L2 weight decay added to the gradient (PyTorch Adam). */
export const AdamConfigSchema = z.strictObject({
  type: z.literal('adam'),
  beta1: fraction('beta1').default(0.9),
  beta2: fraction('beta2').default(0.999),
  epsilon: positive('epsilon').default(1e-8),
  weightDecay: nonNegative('weightDecay').default(0),
  gradClipping: GradClippingSchema.optional(),
});

/** Adam with decoupled weight decay (PyTorch AdamW). */
export const AdamWConfigSchema = z.strictObject({
  type: z.literal('adamw'),
  beta1: fraction('beta1').default(0.9),
  beta2: fraction('beta2').default(0.999),
  epsilon: positive('epsilon').default(1e-8),
  weightDecay: nonNegative('weightDecay').default(0.01),
  gradClipping: GradClippingSchema.optional(),
});

/** RMSprop; rho is PyTorch's alpha (the squared-gradient average's decay). */
export const RmsPropConfigSchema = z.strictObject({
  type: z.literal('rmsprop'),
  rho: fraction('rho').default(0.9),
  epsilon: positive('epsilon').default(1e-8),
  momentum: nonNegative('momentum').default(0),
  centered: z.boolean({ error: 'centered must be true or false' }).default(false),
  weightDecay: nonNegative('weightDecay').default(0),
  gradClipping: GradClippingSchema.optional(),
});

/** Any optimizer config, told apart by `type`; parsing fills the defaults. */
export const OptimizerConfigSchema = z.discriminatedUnion('type', [SgdConfigSchema, AdamConfigSchema, AdamWConfigSchema, RmsPropConfigSchema]);

/** A validated optimizer config with every default filled in. */
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;
/** An optimizer config as a user writes it: defaults may be left out. */
export type OptimizerConfigInput = z.input<typeof OptimizerConfigSchema>;
/** Gradient clipping settings. */
export type GradClippingConfig = z.infer<typeof GradClippingSchema>;
/** Validated SGD config. */
export type SgdConfig = z.infer<typeof SgdConfigSchema>;
/** Validated Adam or AdamW config (they share the update and differ in weight decay). */
export type AdamConfig = z.infer<typeof AdamConfigSchema> | z.infer<typeof AdamWConfigSchema>;
/** Validated RMSprop config. */
export type RmsPropConfig = z.infer<typeof RmsPropConfigSchema>;

/** Validates a config and fills its defaults; throws an Error listing every problem. */
export function parseOptimizerConfig(input: OptimizerConfigInput): OptimizerConfig {
  return parseConfig(OptimizerConfigSchema, input, 'optimizer config');
}
