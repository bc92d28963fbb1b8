import { z } from 'zod';

const activations = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const;

/** A model preset as plain data (validated once, saved with the run). */
export const ModelConfigSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('mlp'),
    hidden: z.array(z.number().int().positive()).default([128]),
    activation: z.enum(activations).default('relu'),
    dropout: z.number().min(0).max(0.95).default(0),
  }),
  z.object({
    type: z.literal('cnn'),
    filters: z.tuple([z.number().int().positive(), z.number().int().positive()]).default([32, 64]),
    dense: z.number().int().positive().default(128),
  }),
  z.object({ type: z.literal('logistic') }),
]);

/** A validated model preset. */
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
