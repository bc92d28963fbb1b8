import { memo } from 'react';
import { presetLayers } from '../../train/model/presets';
import { type FormErrors, type FormValues, type ModelData, presetFromForm } from '../config/form';
import { type DraftLayer, draftsOf, readDrafts } from './drafts';
import { LayerEditor } from './LayerEditor';
import type { ModelView } from './use-model';

interface Props {
  readonly values: FormValues;
  readonly errors: FormErrors;
  readonly data?: ModelData;
  readonly disabled: boolean;
  readonly model: ModelView;
  readonly update: (v: Partial<FormValues>) => void;
}

const PRESET_NAMES: Readonly<Record<string, string>> = { mlp: 'MLP', cnn: 'small CNN', logistic: 'logistic regression' };

/** The preset's layers for the data, or none while either is not known (or they do not fit: the form says why). */
function presetDrafts(values: FormValues, data?: ModelData): DraftLayer[] {
  const preset = presetFromForm(values);
  if (!preset || !data) return [];
  try {
    return draftsOf(presetLayers(preset, data.shape));
  } catch {
    return [];
  }
}

/**
 * The model's layers in the editor: the user's own, or the chosen preset's (editing those makes
 * them the user's). Memoized: a training run re-renders the page several times a second, and the
 * form does not change meanwhile.
 */
export const ModelSection = memo(function ModelSection({ values, errors, data, disabled, model, update }: Props) {
  const own = values.model === 'layers';
  const drafts = own ? readDrafts(values.layers) : presetDrafts(values, data);
  const imported = own && values.modelSource && model.imported?.source === values.modelSource ? model.imported : null;
  return (
    <LayerEditor
      drafts={drafts}
      preset={own ? null : (PRESET_NAMES[values.model] ?? values.model)}
      data={data}
      error={own ? errors.layers : errors.model}
      disabled={disabled}
      imported={imported}
      importing={model.importing}
      importProblem={model.importProblem}
      engine={model.engine}
      onChange={(next) => update({ model: 'layers', layers: JSON.stringify(next), modelSource: own ? values.modelSource : '' })}
      onImport={model.importFiles}
    />
  );
});
