import { isDiagnostic, unitOf } from '../charts/metric-kind';
import type { RunView } from '../run-store';
import { metricValue } from './format';

/**
 * Current values of every metric, numeric or text: train's last batch and its epoch mean so far,
 * and valid's epoch mean. The engine's own metrics (tensor count, memory) only with `diagnostics`.
 */
export function MetricsTable({ view, diagnostics }: { view: RunView; diagnostics: boolean }) {
  const names = [...new Set([...Object.keys(view.latest.train), ...Object.keys(view.latest.valid)])].filter((n) => diagnostics || !isDiagnostic(n));
  if (!names.length) return null;
  const cell = (split: 'train' | 'valid', name: string, which: 'value' | 'running') => {
    const p = view.latest[split][name];
    if (!p) return '—';
    const unit = unitOf(name);
    return `${metricValue(p[which])}${unit === '%' ? '%' : unit ? ` ${unit}` : ''}`;
  };
  return (
    <table className="metrics" aria-label="Current metric values">
      <thead>
        <tr>
          <th scope="col" rowSpan={2}>
            Metric
          </th>
          <th scope="colgroup" colSpan={2}>
            Train
          </th>
          <th scope="col">Valid</th>
        </tr>
        <tr>
          <th scope="col">last batch</th>
          <th scope="col">epoch mean</th>
          <th scope="col">epoch mean</th>
        </tr>
      </thead>
      <tbody>
        {names.map((n) => (
          <tr key={n}>
            <th scope="row">{n}</th>
            <td>{cell('train', n, 'value')}</td>
            <td>{cell('train', n, 'running')}</td>
            <td>{cell('valid', n, 'running')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
