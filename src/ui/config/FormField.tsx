import type { ReactNode } from 'react';
import type { Field, FormErrors, FormValues } from './form';

/** What every field of the run form shares: the values, their messages, which are shown. */
export interface FormState {
  readonly values: FormValues;
  readonly errors: FormErrors;
  readonly shown: ReadonlySet<Field>;
  readonly disabled: boolean;
  readonly onChange: (field: Field, value: string) => void;
}

interface Props {
  readonly form: FormState;
  readonly name: Field;
  readonly label: string;
  readonly hint?: string;
  /** Options make it a select. */
  readonly children?: ReactNode;
}

/** A labelled input (or select) of the run form with its hint and inline message; nothing when hidden. */
export function FormField({ form, name, label, hint, children }: Props) {
  if (!form.shown.has(name)) return null;
  const id = `field-${name}`;
  const error = form.errors[name];
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name, disabled: form.disabled, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy };
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children ? (
        <select {...common} value={form.values[name]} onChange={(e) => form.onChange(name, e.target.value)}>
          {children}
        </select>
      ) : (
        <input {...common} type="text" inputMode="decimal" value={form.values[name]} onChange={(e) => form.onChange(name, e.target.value)} />
      )}
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      {error && (
        <small id={`${id}-error`} className="error">
          {error}
        </small>
      )}
    </div>
  );
}

/** `<option>`s for a list of values shown as they are. */
export const options = (list: readonly (string | number)[]) =>
  list.map((o) => (
    <option key={o} value={o}>
      {o}
    </option>
  ));

/**
 * `<option>`s for every value of a config's union, each with its label: typed by the schema's
 * type, so a value added to the schema does not type-check until the form can offer it.
 */
export const labelledOptions = <T extends string>(labels: Record<T, string>) =>
  (Object.entries(labels) as [T, string][]).map(([value, label]) => (
    <option key={value} value={value}>
      {label}
    </option>
  ));
