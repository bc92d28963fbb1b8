import type { RunView } from '../run-store';
import { metricValue } from './format';

/** Current values of every metric, numeric or text, train and valid side by side. */
export function MetricsTable({ view }: { view: RunView }) {
  const names = [...new Set([...Object.keys(view.latest.train), ...Object.keys(view.latest.valid)])];
  if (!names.length) return null;
  const cell = (split: 'train' | 'valid', name: string) => {
    const p = view.latest[split][name];
    return p ? `${metricValue(p.value)} · ${metricValue(p.running)}` : '—';
  };
  return (
    <table className="metrics" aria-label="Current metric values">
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Train (batch · epoch)</th>
          <th scope="col">Valid (batch · epoch)</th>
        </tr>
      </thead>
      <tbody>
        {names.map((n) => (
          <tr key={n}>
            <th scope="row">{n}</th>
            <td>{cell('train', n)}</td>
            <td>{cell('valid', n)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
