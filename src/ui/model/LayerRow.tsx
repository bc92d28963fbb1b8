import type { KeyboardEvent, ReactNode, Ref } from 'react';
import type { LayerInfo } from '../../train/model/infer';
import { grouped } from '../components/format';
import { CHOICES, type DraftLayer, settingsOf } from './drafts';

interface Props {
  readonly index: number;
  readonly draft: DraftLayer;
  /** What inference says of it (null: not known, a setting of some layer is wrong). */
  readonly info: LayerInfo | null;
  /** Problems of its own settings, by setting (and `name`, `inputs`). */
  readonly errors: Readonly<Record<string, string>>;
  /** 'loaded', or why it starts from fresh weights, when a model.json's weights are in play. */
  readonly weights?: string;
  readonly first: boolean;
  readonly last: boolean;
  /** Whether the model branches (an Add): then every layer shows the layers it reads. */
  readonly branches: boolean;
  readonly disabled: boolean;
  readonly rowRef: Ref<HTMLLIElement>;
  readonly onChange: (draft: DraftLayer) => void;
  readonly onMove: (by: -1 | 1) => void;
  readonly onRemove: () => void;
}

/** One layer of the editor: its type and name, its settings, its output shape and parameters, and what is wrong with it. */
export function LayerRow({ index, draft, info, errors, weights, first, last, branches, disabled, rowRef, onChange, onMove, onRemove }: Props) {
  const id = (key: string) => `layer-${index}-${key}`;
  const set = (key: string, value: string) => onChange({ ...draft, values: { ...draft.values, [key]: value } });
  // Alt+↑ / Alt+↓ move the layer from anywhere in its row.
  const keys = (e: KeyboardEvent) => {
    if (!e.altKey || disabled || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    if (e.key === 'ArrowUp' && !first) onMove(-1);
    if (e.key === 'ArrowDown' && !last) onMove(1);
  };
  const problem = info?.error ?? Object.entries(errors).map(([k, m]) => `${k}: ${m}`)[0];
  const name = draft.name || draft.type;
  return (
    <li
      ref={rowRef}
      tabIndex={-1}
      className={`layer${problem ? ' invalid' : ''}`}
      aria-label={`Layer ${index + 1}: ${draft.type} ${name}`}
      aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
      onKeyDown={keys}
    >
      <div className="layer-head">
        <span className="layer-type" title={draft.type}>
          {index + 1}. {draft.type}
        </span>
        <button type="button" className="icon" aria-label={`Move ${name} up`} title="Move up (Alt+↑)" disabled={disabled || first} onClick={() => onMove(-1)}>
          ↑
        </button>
        <button type="button" className="icon" aria-label={`Move ${name} down`} title="Move down (Alt+↓)" disabled={disabled || last} onClick={() => onMove(1)}>
          ↓
        </button>
        <button type="button" className="icon" aria-label={`Remove ${name}`} title="Remove" disabled={disabled} onClick={onRemove}>
          ✕
        </button>
      </div>
      <div className="layer-settings">
        <Setting id={id('name')} label="Name" error={errors.name}>
          <input id={id('name')} value={draft.name} disabled={disabled} onChange={(e) => onChange({ ...draft, name: e.target.value })} />
        </Setting>
        {settingsOf(draft).map((s) => {
          const common = { id: id(s.key), disabled, value: draft.values[s.key] ?? '', 'aria-invalid': Boolean(errors[s.key]) };
          const choices = CHOICES[s.kind];
          return (
            <Setting key={s.key} id={id(s.key)} label={s.label} error={errors[s.key]}>
              {choices ? (
                <select {...common} onChange={(e) => set(s.key, e.target.value)}>
                  {choices.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  {...common}
                  type="text"
                  inputMode="decimal"
                  placeholder={s.optional ? 'default' : undefined}
                  onChange={(e) => set(s.key, e.target.value)}
                />
              )}
            </Setting>
          );
        })}
        {branches && (
          <Setting id={id('inputs')} label="Reads" error={errors.inputs}>
            <input
              id={id('inputs')}
              disabled={disabled}
              value={draft.inputs}
              placeholder={draft.type === 'Add' ? 'a, b' : 'previous'}
              onChange={(e) => onChange({ ...draft, inputs: e.target.value })}
            />
          </Setting>
        )}
      </div>
      <p className="layer-out">
        {info?.outputShape ? (
          <>
            → <span className="shape">[{info.outputShape.join(', ')}]</span> · {grouped(info.params)} params
          </>
        ) : (
          '→ ?'
        )}
        {weights && (
          <span className={`weights${weights === 'loaded' ? ' loaded' : ''}`}>
            {weights === 'loaded' ? ' · imported weights' : ` · fresh weights (${weights})`}
          </span>
        )}
      </p>
      {problem && <p className="layer-error">{problem}</p>}
    </li>
  );
}

/** A setting's label above its input (not around it: the label alone names the input). */
function Setting({ id, label, error, children }: { id: string; label: string; error?: string; children: ReactNode }) {
  return (
    <div className={error ? 'setting invalid' : 'setting'}>
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}
