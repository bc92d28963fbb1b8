import { useEffect, useState } from 'react';
import type { EvaluationView, ErrorItem, ModelInfo } from '../../protocol/index';
import type { TrainingClient } from '../client';
import { ConfusionTable, type Cell } from './ConfusionTable';
import { Scatter } from './Scatter';
import { Thumb } from './Thumb';

interface Props {
  readonly client: TrainingClient;
  readonly info: ModelInfo;
}

/** Mistakes shown at once. */
const SHOWN = 12;

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

/** One wrong or far-off item: its thumbnail or row, true and predicted. */
function ErrorCard({ item, view, names }: { item: ErrorItem; view: EvaluationView; names?: readonly string[] }) {
  const truth = names ? names[item.truth] : Number(item.truth.toPrecision(6));
  const predicted = names ? names[item.predicted] : Number(item.predicted.toPrecision(6));
  const caption = `true ${truth}, predicted ${predicted}${names ? ` (${percent(item.confidence)})` : ''}`;
  return (
    <li aria-label={`Validation item ${item.row + 1}: ${caption}`}>
      {item.rgba && <Thumb rgba={item.rgba} size={view.imageSize!} label={`item ${item.row + 1}`} />}
      {item.cells && (
        <dl className="cells">
          {item.cells.map((v, i) => (
            <div key={view.columns![i]}>
              <dt>{view.columns![i]}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      <span>{caption}</span>
    </li>
  );
}

/**
 * Where a checkpoint errs on the run's validation split: the confusion matrix (counts or row
 * shares), per-class precision, recall, F1 and support, and the most confident mistakes, which a
 * matrix cell filters; for regression, predicted against true values and the largest errors.
 */
export function ErrorsView({ client, info }: Props) {
  const [view, setView] = useState<EvaluationView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [normalised, setNormalised] = useState(false);
  const [cell, setCell] = useState<Cell | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    setView(null);
    setCell(null);
    client.ask({ type: 'evaluate', runId: info.runId, epoch: info.epoch }, { signal: controller.signal }).then(
      (e) => setView(e.evaluation),
      (e: Error) => controller.signal.aborted || setError(e.message),
    );
    return () => controller.abort();
  }, [client, info.runId, info.epoch]);
  if (error) return <p role="alert">{error}</p>;
  if (!view) return <p className="muted">Predicting the validation split with checkpoint {info.epoch}…</p>;
  const { report } = view;
  if (report.task === 'regression') {
    return (
      <div className="errors-view">
        <p>
          Validation split, {report.items} rows: MAE <strong>{Number(report.mae.toPrecision(4))}</strong>, RMSE{' '}
          <strong>{Number(report.rmse.toPrecision(4))}</strong> (in the label's units)
        </p>
        {view.scatter && <Scatter truth={view.scatter.truth} predicted={view.scatter.predicted} label={info.label} />}
        <h3>Largest errors</h3>
        <ul className="mistakes" aria-label="Largest errors">
          {view.errors.slice(0, SHOWN).map((item) => (
            <ErrorCard key={item.row} item={item} view={view} />
          ))}
        </ul>
      </div>
    );
  }
  const names = report.classNames;
  const shown = view.errors.filter((m) => !cell || (m.truth === cell.truth && m.predicted === cell.predicted)).slice(0, SHOWN);
  return (
    <div className="errors-view">
      <p>
        Validation split, {report.items} items: accuracy <strong>{percent(report.accuracy)}</strong>{' '}
        <label>
          <input type="checkbox" checked={normalised} onChange={(e) => setNormalised(e.target.checked)} /> row-normalised
        </label>
      </p>
      <ConfusionTable report={report} normalised={normalised} selected={cell} onSelect={setCell} />
      <table className="per-class" aria-label="Per-class scores">
        <thead>
          <tr>
            <th scope="col">class</th>
            <th scope="col">precision</th>
            <th scope="col">recall</th>
            <th scope="col">F1</th>
            <th scope="col">support</th>
          </tr>
        </thead>
        <tbody>
          {report.classes.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td>{percent(c.precision)}</td>
              <td>{percent(c.recall)}</td>
              <td>{percent(c.f1)}</td>
              <td>{c.support}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>
        Most confident mistakes
        {cell && (
          <>
            {' '}
            of true {names[cell.truth]} predicted {names[cell.predicted]}{' '}
            <button type="button" onClick={() => setCell(null)}>
              Show all
            </button>
          </>
        )}
      </h3>
      <ul className="mistakes" aria-label="Mistakes">
        {shown.map((item) => (
          <ErrorCard key={item.row} item={item} view={view} names={names} />
        ))}
        {shown.length === 0 && <li>No mistakes.</li>}
      </ul>
    </div>
  );
}
