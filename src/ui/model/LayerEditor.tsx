import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { inferLayers } from '../../train/model/infer';
import { LAYER_TYPES, type LayerType } from '../../train/model/layer-spec';
import { matchWeights } from '../../train/model/weights-manifest';
import { grouped } from '../components/format';
import type { ModelData } from '../config/form';
import { type DraftLayer, newDraft, specOf } from './drafts';
import { LayerRow } from './LayerRow';
import type { EnginePlan, ImportedWeights } from './use-model';

interface Props {
  readonly drafts: readonly DraftLayer[];
  /** The preset these layers are (editing them makes them the user's own), or null for the user's layers. */
  readonly preset: string | null;
  /** The dataset the layers are checked against; absent until its card is known. */
  readonly data?: ModelData;
  /** The form's message for the model (the first problem), if any. */
  readonly error?: string;
  readonly disabled: boolean;
  readonly imported: ImportedWeights | null;
  readonly importing: boolean;
  readonly importProblem: string | null;
  readonly engine: EnginePlan | null;
  readonly onChange: (drafts: DraftLayer[]) => void;
  readonly onImport: (files: File[]) => void;
}

/**
 * The layer editor: the model's layers in order, each with its settings, output shape and
 * parameter count for the dataset's items, and what makes a stack impossible, marked on its
 * layer; add, remove and reorder (buttons, or Alt+↑/↓ in a row); import a model.json; which engine
 * will train it.
 */
export function LayerEditor({ drafts, preset, data, error, disabled, imported, importing, importProblem, engine, onChange, onImport }: Props) {
  const [adding, setAdding] = useState<LayerType>('Conv2D');
  const [dragging, setDragging] = useState(false);
  const rows = useRef<(HTMLLIElement | null)[]>([]);
  const [focus, setFocus] = useState<number | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focus === null) return;
    rows.current[focus]?.focus();
    setFocus(null);
  }, [focus]);

  const parsed = useMemo(() => drafts.map(specOf), [drafts]);
  const info = useMemo(() => {
    const specs = parsed.flatMap((p) => ('spec' in p ? [p.spec] : []));
    return data && specs.length === parsed.length ? inferLayers(specs, data.shape, data.task) : null;
  }, [parsed, data]);
  const match = useMemo(() => (info && imported ? matchWeights(info, imported.weights) : null), [info, imported]);
  const weightsOf = (name: string) => match && (match.loaded.includes(name) ? 'loaded' : match.fresh.find((f) => f.layer === name)?.reason);

  const move = (i: number, by: -1 | 1) => {
    const next = [...drafts];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    onChange(next);
    setFocus(i + by);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (!disabled && e.dataTransfer.files.length) onImport([...e.dataTransfer.files]);
  };
  return (
    <section
      className={`layer-editor${dragging ? ' dragging' : ''}`}
      aria-label="Layers"
      onDragOver={(e) => (e.preventDefault(), setDragging(true))}
      onDragLeave={() => setDragging(false)}
      onDrop={drop}
    >
      <p className="layer-note">
        {preset ? `The ${preset} preset as layers: edit any layer to make the model your own.` : 'Your layers, first to last; the last one is the output.'}
      </p>
      {imported && match && (
        <p className="layer-note">
          Weights from {imported.source}: {match.loaded.length} of {match.loaded.length + match.fresh.length} layers
        </p>
      )}
      <ol className="layers">
        {drafts.map((d, i) => (
          <LayerRow
            // Rows are positions: a moved layer takes the row it moves to (and keeps focus there).
            key={i}
            index={i}
            draft={d}
            info={info?.layers[i] ?? null}
            errors={'errors' in parsed[i]! ? (parsed[i] as { errors: Record<string, string> }).errors : {}}
            weights={weightsOf(d.name) || undefined}
            first={i === 0}
            last={i === drafts.length - 1}
            branches={drafts.some((x) => x.type === 'Add' || x.inputs.trim())}
            disabled={disabled}
            rowRef={(el) => {
              rows.current[i] = el;
            }}
            onChange={(changed) => onChange(drafts.map((x, k) => (k === i ? changed : x)))}
            onMove={(by) => move(i, by)}
            onRemove={() => onChange(drafts.filter((_, k) => k !== i))}
          />
        ))}
      </ol>
      <div className="layer-add">
        <select aria-label="Layer type" value={adding} disabled={disabled} onChange={(e) => setAdding(e.target.value as LayerType)}>
          {LAYER_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="button" disabled={disabled} onClick={() => (onChange([...drafts, newDraft(adding, drafts)]), setFocus(drafts.length))}>
          Add layer
        </button>
      </div>
      {info && !info.error && (
        <p className="layer-total">
          Total: {grouped(info.params)} parameters ({grouped(info.trainableParams)} trainable)
        </p>
      )}
      {error && (
        <p className="layer-error" id="layers-error">
          {error}
        </p>
      )}
      <div className="layer-import">
        <button type="button" disabled={disabled || importing || !data} onClick={() => fileInput.current?.click()}>
          {importing ? 'Reading the model…' : 'Import model.json…'}
        </button>
        <small>with its weights files to fine-tune, or alone; or drop them here</small>
        <input
          ref={fileInput}
          type="file"
          hidden
          multiple
          accept=".json,.bin,application/json"
          aria-label="Model files (model.json and weights)"
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = '';
            if (files.length) onImport(files);
          }}
        />
      </div>
      {importProblem && (
        <div role="alert" className="errors">
          <p>{importProblem}</p>
        </div>
      )}
      {engine && (
        <p className="engine-plan" aria-live="polite">
          Engine: {engine.engine} on {engine.backend}
          {engine.why && <small> ({engine.why})</small>}
        </p>
      )}
    </section>
  );
}
