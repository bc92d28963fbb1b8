import type { ReactNode } from 'react';
import { BACKENDS } from '../../protocol/run-config';
import type { Field, FormErrors, FormValues } from './form';
import { visibleFields } from './form';
import { FormField, options, type FormState } from './FormField';

interface Props {
  readonly values: FormValues;
  readonly errors: FormErrors;
  readonly disabled: boolean;
  readonly onChange: (field: Field, value: string) => void;
  /** The data section (source, choices), rendered by its own component with the same form. */
  readonly data: (form: FormState) => ReactNode;
}

/** The run's configuration: data, model, optimizer, schedule and loop settings. */
export function ConfigPanel({ values, errors, disabled, onChange, data }: Props) {
  const form: FormState = { values, errors, disabled, onChange, shown: visibleFields(values) };
  const Input = (p: Omit<Parameters<typeof FormField>[0], 'form'>) => <FormField form={form} {...p} />;
  return (
    <form className="config" aria-label="Run configuration" onSubmit={(e) => e.preventDefault()}>
      {data(form)}
      <fieldset>
        <legend>Model</legend>
        {Input({ name: 'model', label: 'Preset', children: <><option value="mlp">MLP</option><option value="cnn">Small CNN</option><option value="logistic">Logistic regression</option></> })}
        {Input({ name: 'hidden', label: 'Hidden layers', hint: 'sizes, comma separated' })}
        {Input({ name: 'activation', label: 'Activation', children: options(['relu', 'tanh', 'sigmoid', 'elu', 'selu']) })}
        {Input({ name: 'dropout', label: 'Dropout' })}
        {Input({ name: 'filters1', label: 'Conv 1 filters' })}
        {Input({ name: 'filters2', label: 'Conv 2 filters' })}
        {Input({ name: 'dense', label: 'Dense units' })}
      </fieldset>
      <fieldset>
        <legend>Optimizer</legend>
        {Input({ name: 'optimizer', label: 'Optimizer', children: <><option value="adam">Adam</option><option value="adamw">AdamW</option><option value="sgd">SGD</option><option value="rmsprop">RMSProp</option></> })}
        {Input({ name: 'lr', label: 'Learning rate' })}
        {Input({ name: 'momentum', label: 'Momentum' })}
        {Input({ name: 'nesterov', label: 'Nesterov', children: <><option value="false">off</option><option value="true">on</option></> })}
        {Input({ name: 'beta1', label: 'β₁' })}
        {Input({ name: 'beta2', label: 'β₂' })}
        {Input({ name: 'rho', label: 'ρ (decay)' })}
        {Input({ name: 'weightDecay', label: 'Weight decay' })}
        {Input({ name: 'clipNorm', label: 'Clip gradient norm', hint: 'empty: no clipping' })}
      </fieldset>
      <fieldset>
        <legend>Learning-rate schedule</legend>
        {Input({ name: 'schedule', label: 'Schedule', children: <><option value="constant">Constant</option><option value="step">Step</option><option value="exponential">Exponential</option><option value="cosine">Cosine</option><option value="warmup-cosine">Warm-up + cosine</option></> })}
        {Input({ name: 'stepEpochs', label: 'Step every (epochs)' })}
        {Input({ name: 'gamma', label: 'γ (factor per step/epoch)' })}
        {Input({ name: 'warmupEpochs', label: 'Warm-up (epochs)' })}
        {Input({ name: 'minLr', label: 'Final learning rate' })}
      </fieldset>
      <fieldset>
        <legend>Training</legend>
        {Input({ name: 'epochs', label: 'Epochs' })}
        {Input({ name: 'batchSize', label: 'Batch size' })}
        {Input({ name: 'gradAccumulation', label: 'Gradient accumulation', hint: 'batches per optimizer step' })}
        {Input({ name: 'keepCheckpoints', label: 'Checkpoints to keep', hint: 'plus the best valid loss' })}
        {Input({ name: 'seed', label: 'Seed' })}
        {Input({ name: 'backend', label: 'Backend', children: options(BACKENDS) })}
      </fieldset>
    </form>
  );
}
