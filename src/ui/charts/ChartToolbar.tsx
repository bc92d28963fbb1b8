import type { ChartOptions } from './MetricChart';

interface Props {
  readonly options: ChartOptions;
  readonly onChange: (options: ChartOptions) => void;
}

/** Chart settings shared by every chart: x axis, y scale, smoothing, diagnostics. */
export function ChartToolbar({ options, onChange }: Props) {
  return (
    <div className="chart-toolbar" role="group" aria-label="Chart options">
      <label>
        x axis{' '}
        <select value={options.xAxis} onChange={(e) => onChange({ ...options, xAxis: e.target.value as ChartOptions['xAxis'] })}>
          <option value="iteration">iteration</option>
          <option value="epoch">epoch</option>
        </select>
      </label>
      <label>
        y scale{' '}
        <select value={options.logY ? 'log' : 'linear'} onChange={(e) => onChange({ ...options, logY: e.target.value === 'log' })}>
          <option value="linear">linear</option>
          <option value="log">log</option>
        </select>
      </label>
      <label>
        smoothing{' '}
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={options.smoothing}
          onChange={(e) => onChange({ ...options, smoothing: Number(e.target.value) })}
        />
        <span className="value">{options.smoothing.toFixed(2)}</span>
      </label>
      <label title="The engine's own metrics: tensor count and memory">
        <input type="checkbox" checked={options.diagnostics} onChange={(e) => onChange({ ...options, diagnostics: e.target.checked })} /> diagnostics
      </label>
    </div>
  );
}
