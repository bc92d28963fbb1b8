import { MetricHistory } from '../../train/learner/history';
import { learnerSummary, nonFiniteNote } from '../../train/learner/summary';
import type { MetricSeries } from '../run-store';
import { metricValue } from './format';

/** Burn's learner summary for a stored run: per split and metric, the min and max epoch means. */
export function SummaryTable({ series }: { series: readonly MetricSeries[] }) {
  const history = new MetricHistory();
  for (const s of series) {
    for (const split of ['train', 'valid'] as const) s[split].epochX.forEach((e, i) => history.record(split, s.name, e, s[split].epochY[i]));
  }
  // Diverged iterations are in the loss series as they were logged (NaN, Infinity).
  const loss = series.find((s) => s.name === 'Loss');
  const nonFinite = (y: readonly number[] = []) => y.reduce((n, v) => n + (Number.isFinite(v) ? 0 : 1), 0);
  const summary = learnerSummary(history, { train: nonFinite(loss?.train.y), valid: nonFinite(loss?.valid.y) });
  const note = nonFiniteNote(summary.nonFinite);
  const rows = (['train', 'valid'] as const).flatMap((split) => summary.metrics[split].map((m) => ({ split, m })));
  if (!rows.length) return null;
  return (
    <table className="summary" aria-label="Learner summary">
      <caption>
        Learner summary: {summary.epochs} epochs{note && `. ${note}`}
      </caption>
      <thead>
        <tr>
          <th scope="col">Split</th>
          <th scope="col">Metric</th>
          <th scope="col">Min.</th>
          <th scope="col">Epoch</th>
          <th scope="col">Max.</th>
          <th scope="col">Epoch</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ split, m }) => (
          <tr key={`${split}/${m.name}`}>
            <td>{split === 'train' ? 'Train' : 'Valid'}</td>
            <th scope="row">{m.name}</th>
            <td>{metricValue(m.min.value)}</td>
            <td>{m.min.epoch}</td>
            <td>{metricValue(m.max.value)}</td>
            <td>{m.max.epoch}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
