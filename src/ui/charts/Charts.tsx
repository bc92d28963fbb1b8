import type { MetricSeries } from '../run-store';
import { constantValue, isDiagnostic, unitOf } from './metric-kind';
import { MetricChart, type ChartOptions } from './MetricChart';

interface Props {
  /** The run's series, grown in place; `version` says when. */
  readonly series: ReadonlyMap<string, MetricSeries>;
  readonly version: number;
  readonly options: ChartOptions;
  readonly iterationsPerEpoch: number;
  readonly live: boolean;
}

/** A constant learning rate, stated instead of drawn: a flat line tells nothing a number does not. */
function constantRate(s: MetricSeries): number | undefined {
  return s.name === 'Learning Rate' && !s.valid.y.length ? constantValue(s.train.y) : undefined;
}

/** A chart per numeric metric (diagnostics only when asked), and a line for a constant learning rate. */
export function Charts({ series, version, options, iterationsPerEpoch, live }: Props) {
  const shown = [...series.values()].filter((s) => options.diagnostics || !isDiagnostic(s.name)).map((s) => ({ s, constant: constantRate(s) }));
  return (
    <>
      {shown.map(({ s, constant }) =>
        constant === undefined ? null : (
          <p key={s.name} className="constant-metric">
            {s.name} {String(Number(constant.toPrecision(6)))}
            {unitOf(s.name) && ` ${unitOf(s.name)}`} (constant{live ? ' so far' : ''})
          </p>
        ),
      )}
      <div className="charts">
        {shown.map(({ s, constant }) =>
          constant === undefined ? (
            <MetricChart key={s.name} series={s} version={version} options={options} iterationsPerEpoch={iterationsPerEpoch} live={live} />
          ) : null,
        )}
        {series.size === 0 && <p className="empty">Charts of every numeric metric appear here once training starts.</p>}
      </div>
    </>
  );
}
