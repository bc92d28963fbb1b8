import { z } from 'zod';
import { LayerListSchema } from './layer-spec';

const activations = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const;

/** The presets: a few settings each, built as the layer lists `presetLayers` gives. */
const PRESETS = [
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
] as const;

/** A model as plain data (validated once, saved with the run): a preset, or a layer list. */
export const ModelConfigSchema = z.discriminatedUnion('type', [...PRESETS, LayerListSchema]);

/** A validated model config. */
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** A preset's config. */
export type PresetConfig = Exclude<ModelConfig, { type: 'layers' }>;
