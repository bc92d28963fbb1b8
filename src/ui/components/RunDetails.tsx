import { useState } from 'react';
import { MODEL_FORMAT_NAMES, MODEL_FORMATS, type ModelFormatName } from '../../export/format-list';
import type { ExportKind, StoredRun } from '../../protocol/index';
import { SummaryTable } from './SummaryTable';

interface Props {
  readonly run: StoredRun;
  readonly busy: boolean;
  readonly onExport: (what: ExportKind, epoch?: number, format?: ModelFormatName) => void;
  readonly onResume: (epoch: number, untilEpoch: number) => void;
  readonly onView: (path: string) => Promise<string>;
}

const size = (b: number) => (b < 1024 ? `${b} B` : b < 2 ** 20 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);

/** The model formats of the per-checkpoint menu: the Lightning project has its own entry, with what it is for. */
const MENU_FORMATS = MODEL_FORMAT_NAMES.filter((f) => f !== 'lightning');

/** An opened run: its checkpoints (resume, download, export model; the best epoch's marked) and its artifact tree. */
export function RunDetails({ run, busy, onExport, onResume, onView }: Props) {
  const [until, setUntil] = useState(String(Math.max(run.record.epochs, run.record.epochsDone + 1)));
  const [viewing, setViewing] = useState<{ path: string; text: string } | null>(null);
  const untilEpoch = Number(until);
  const total = run.files.reduce((n, f) => n + f.bytes, 0);
  const last = run.record.checkpoints.at(-1);
  const best = run.record.best;
  return (
    <section className="run-details" aria-label="Run artifacts">
      <h2>
        {run.record.name} <small>({size(total)})</small>
      </h2>
      <div className="run-actions">
        <button type="button" onClick={() => onExport('run')}>
          Export run
        </button>
        {run.config && (
          <label>
            Train until epoch <input value={until} onChange={(e) => setUntil(e.target.value)} inputMode="numeric" size={4} />
          </label>
        )}
      </div>
      {run.config && last !== undefined && (
        <details className="lightning">
          <summary>Continue on PyTorch Lightning…</summary>
          <p>
            When a run outgrows this tab, a Lightning project continues it from a checkpoint on any number of GPUs or machines, with the same model, data,
            optimizer state and schedule. Its output folder, zipped, opens here again beside this run and resumes in Kiln.
          </p>
          <button type="button" onClick={() => onExport('model', last, 'lightning')}>
            Download the project (checkpoint {last})
          </button>
        </details>
      )}
      <SummaryTable series={run.series} />
      <table className="checkpoints" aria-label="Checkpoints">
        <tbody>
          {run.record.checkpoints.map((n) => (
            <tr key={n}>
              <th scope="row">
                Checkpoint {n}
                {n === best?.epoch && <small> (best {best.metric})</small>}
              </th>
              <td>
                <button type="button" disabled={busy || !run.config || !(untilEpoch > n)} onClick={() => onResume(n, untilEpoch)}>
                  Resume from epoch {n}
                </button>
                <button type="button" onClick={() => onExport('checkpoint', n)}>
                  Download checkpoint {n}
                </button>
                {run.config && (
                  // A select as a menu: picking a format downloads the model in it, and the menu goes back to its title.
                  <select aria-label={`Export model ${n} as`} value="" onChange={(e) => onExport('model', n, e.target.value as ModelFormatName)}>
                    <option value="" disabled>
                      Export model {n}…
                    </option>
                    {MENU_FORMATS.map((f) => (
                      <option key={f} value={f}>
                        {MODEL_FORMATS[f].label}
                      </option>
                    ))}
                  </select>
                )}
              </td>
            </tr>
          ))}
          {run.record.checkpoints.length === 0 && (
            <tr>
              <td>
                {run.config
                  ? 'No checkpoint yet: one is saved at the end of each epoch.'
                  : 'A run without a Kiln config (a Burn run): it is here to look at, its checkpoints are among its files.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <details>
        <summary>Files ({run.files.length})</summary>
        <ul className="tree">
          {run.files.map((f) => (
            <li key={f.path}>
              {/\.(gz|mpk|bin)$/.test(f.path) ? (
                <span>{f.path}</span>
              ) : (
                <button type="button" className="link" onClick={async () => setViewing({ path: f.path, text: await onView(f.path) })}>
                  {f.path}
                </button>
              )}{' '}
              <small>{size(f.bytes)}</small>
            </li>
          ))}
        </ul>
        {viewing && (
          <figure className="viewer">
            <figcaption>{viewing.path}</figcaption>
            <pre tabIndex={0}>{viewing.text}</pre>
          </figure>
        )}
      </details>
    </section>
  );
}
