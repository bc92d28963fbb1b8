import { useEffect, useState } from 'react';
import type { FormColumn, ModelInfo } from '../../protocol/index';
import { download } from '../download';
import { Bars } from './Bars';
import type { Predictor } from './use-predictor';

interface Props {
  readonly info: ModelInfo & { readonly input: { readonly kind: 'table' } };
  readonly predictor: Predictor;
}

const initial = (c: FormColumn) => (c.kind === 'numeric' ? String(Number(c.median.toPrecision(6))) : c.mode);

/**
 * A form of the model's input columns (numbers, and selects of the training vocabulary), starting
 * at the training split's medians and most frequent values; the prediction follows every change.
 * A CSV of rows dropped or chosen is predicted whole and downloaded as `npm run predict` writes it.
 */
export function TryTable({ info, predictor }: Props) {
  const columns = info.input.columns;
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(columns.map((c) => [c.name, initial(c)])));
  const [bulk, setBulk] = useState<string | null>(null);
  const { result, error, send, once } = predictor;
  useEffect(() => send({ kind: 'rows', rows: [values] }), [send, values]);
  const predictFile = async (file: File | undefined) => {
    if (!file) return;
    setBulk(`Predicting ${file.name}…`);
    try {
      const p = await once({ kind: 'csv', file });
      download(p.csv!.fileName, new Blob([p.csv!.text], { type: 'text/csv' }));
      setBulk(`Downloaded ${p.csv!.fileName}: ${p.rows} rows predicted.`);
    } catch (e) {
      setBulk((e as Error).message);
    }
  };
  return (
    <div className="try-table">
      <form className="row-form" aria-label="Input columns" onSubmit={(e) => e.preventDefault()}>
        {columns.map((c, i) => (
          <label key={c.name} htmlFor={`try-column-${i}`}>
            <span>{c.name}</span>
            {c.kind === 'numeric' ? (
              <input
                id={`try-column-${i}`}
                type="number"
                step="any"
                value={values[c.name]}
                onChange={(e) => setValues((v) => ({ ...v, [c.name]: e.target.value }))}
              />
            ) : (
              <select id={`try-column-${i}`} value={values[c.name]} onChange={(e) => setValues((v) => ({ ...v, [c.name]: e.target.value }))}>
                {c.categories.map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </select>
            )}
          </label>
        ))}
      </form>
      {result && !result.csv && <Bars predictions={result} row={0} label={info.label} />}
      {error && <p role="alert">{error}</p>}
      <section
        aria-label="Predict a CSV"
        className="drop-images"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          void predictFile(e.dataTransfer.files[0]);
        }}
      >
        <p>
          Drop a CSV or TSV of rows to predict them all, or{' '}
          <label className="link">
            choose a file…
            <input
              type="file"
              accept=".csv,.tsv,.txt,text/csv"
              hidden
              aria-label="Predict a CSV file"
              onChange={(e) => void predictFile(e.target.files?.[0])}
            />
          </label>
        </p>
        {bulk && <p className="notice">{bulk}</p>}
      </section>
    </div>
  );
}
