import { memo, type ReactNode } from 'react';
import { BACKENDS, type RunConfig } from '../../protocol/run-config';
import type { Field, FormErrors, FormValues } from './form';
import { visibleFields } from './form';
import { FormField, labelledOptions, options, type FormState } from './FormField';

interface Props {
  readonly values: FormValues;
  readonly errors: FormErrors;
  readonly disabled: boolean;
  readonly onChange: (field: Field, value: string) => void;
  /** The data section (source, choices), rendered by its own component with the same form. */
  readonly data: (form: FormState) => ReactNode;
  /** The model's layers (the layer editor), under the preset's fields. */
  readonly layers: ReactNode;
}

/**
 * The run's configuration: data, model, optimizer, schedule and loop settings. Memoised: a run
 * re-renders the page several times a second, and the form (with the layer editor) is its
 * largest part; it renders again only when its own props change, so callers pass stable ones.
 */
export const ConfigPanel = memo(function ConfigPanel({ values, errors, disabled, onChange, data, layers }: Props) {
  const form: FormState = { values, errors, disabled, onChange, shown: visibleFields(values) };
  const input = (p: Omit<Parameters<typeof FormField>[0], 'form'>) => <FormField form={form} {...p} />;
  return (
    <form className="config" aria-label="Run configuration" onSubmit={(e) => e.preventDefault()}>
      {data(form)}
      <fieldset>
        <legend>Model</legend>
        {input({
          name: 'model',
          label: 'Model',
          children: (
            <>
              <option value="mlp">MLP</option>
              <option value="cnn">Small CNN</option>
              <option value="logistic">Logistic regression</option>
              <option value="layers">Your layers</option>
            </>
          ),
        })}
        {input({ name: 'hidden', label: 'Hidden layers', hint: 'sizes, comma separated' })}
        {input({ name: 'activation', label: 'Activation', children: options(['relu', 'tanh', 'sigmoid', 'elu', 'selu']) })}
        {input({ name: 'dropout', label: 'Dropout' })}
        {input({ name: 'filters1', label: 'Conv 1 filters' })}
        {input({ name: 'filters2', label: 'Conv 2 filters' })}
        {input({ name: 'dense', label: 'Dense units' })}
        {layers}
      </fieldset>
      <fieldset>
        <legend>Optimizer</legend>
        {input({
          name: 'optimizer',
          label: 'Optimizer',
          children: labelledOptions<RunConfig['optimizer']['type']>({ adam: 'Adam', adamw: 'AdamW', sgd: 'SGD', rmsprop: 'RMSProp' }),
        })}
        {input({ name: 'lr', label: 'Learning rate' })}
        {input({ name: 'momentum', label: 'Momentum' })}
        {input({
          name: 'nesterov',
          label: 'Nesterov',
          children: (
            <>
              <option value="false">off</option>
              <option value="true">on</option>
            </>
          ),
        })}
        {input({ name: 'beta1', label: 'β₁' })}
        {input({ name: 'beta2', label: 'β₂' })}
        {input({ name: 'rho', label: 'ρ (decay)' })}
        {input({ name: 'weightDecay', label: 'Weight decay' })}
        {input({ name: 'clipNorm', label: 'Clip gradient norm', hint: 'empty: no clipping' })}
      </fieldset>
      <fieldset>
        <legend>Learning-rate schedule</legend>
        {input({
          name: 'schedule',
          label: 'Schedule',
          children: labelledOptions<RunConfig['schedule']['type']>({
            constant: 'Constant',
            step: 'Step',
            exponential: 'Exponential',
            cosine: 'Cosine',
            'warmup-cosine': 'Warm-up + cosine',
          }),
        })}
        {input({ name: 'stepEpochs', label: 'Step every (epochs)' })}
        {input({ name: 'gamma', label: 'γ (factor per step/epoch)' })}
        {input({ name: 'warmupEpochs', label: 'Warm-up (epochs)' })}
        {input({ name: 'minLr', label: 'Final learning rate' })}
      </fieldset>
      <fieldset>
        <legend>Training</legend>
        {input({ name: 'epochs', label: 'Epochs' })}
        {input({ name: 'batchSize', label: 'Batch size' })}
        {input({ name: 'gradAccumulation', label: 'Gradient accumulation', hint: 'batches per optimizer step' })}
        {input({ name: 'keepCheckpoints', label: 'Checkpoints to keep', hint: 'plus the best epoch: valid accuracy, or valid loss for regression' })}
        {input({ name: 'seed', label: 'Seed' })}
        {input({ name: 'backend', label: 'Backend', children: options(BACKENDS) })}
        {input({
          name: 'onNonFinite',
          label: 'If the loss is NaN or infinite',
          children: (
            <>
              <option value="stop">stop the run</option>
              <option value="warn">warn and train on</option>
            </>
          ),
        })}
      </fieldset>
    </form>
  );
});
