import { MetricHistory } from '../../train/learner/history';
import { learnerSummary } from '../../train/learner/summary';
import type { MetricSeries } from '../run-store';
import { metricValue } from './format';

/** Burn's learner summary for a stored run: per split and metric, the min and max epoch means. */
export function SummaryTable({ series }: { series: readonly MetricSeries[] }) {
  const history = new MetricHistory();
  for (const s of series) {
    for (const split of ['train', 'valid'] as const) s[split].epochX.forEach((e, i) => history.record(split, s.name, e, s[split].epochY[i]));
  }
  const summary = learnerSummary(history);
  const rows = (['train', 'valid'] as const).flatMap((split) => summary.metrics[split].map((m) => ({ split, m })));
  if (!rows.length) return null;
  return (
    <table className="summary" aria-label="Learner summary">
      <caption>Learner summary: {summary.epochs} epochs</caption>
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
