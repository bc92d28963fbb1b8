import { memo, startTransition, useCallback, useEffect, useRef, useState } from 'react';
import type { MetricSeries } from '../run-store';
import { ChartBody } from './ChartBody';
import { unitOf } from './metric-kind';
import { chartQueue } from './queue';
import { chartData, type ChartData, type LineKey } from './rows';

/** How the charts draw: shared by all of them. */
export interface ChartOptions {
  readonly xAxis: 'iteration' | 'epoch';
  readonly logY: boolean;
  /** EMA weight in [0, 1). */
  readonly smoothing: number;
  /** Show the engine's own metrics (tensor count, memory) too. */
  readonly diagnostics: boolean;
}

interface Props {
  /** Grows in place; `version` says when. */
  readonly series: MetricSeries;
  readonly version: number;
  readonly options: ChartOptions;
  readonly iterationsPerEpoch: number;
  /** A run is training: fewer points, so each redraw stays short. */
  readonly live: boolean;
}

/** Points per line while a run trains, and when it does not. */
const LIVE_POINTS = 200;
const STILL_POINTS = 1000;

/**
 * One numeric metric's chart. Its data is built from the growing series in the chart queue's
 * turn (outside React's render) into an immutable snapshot; the recharts body renders from that
 * snapshot only. While the pointer or the keyboard focus is on the chart, new points wait, so the
 * tooltip holds still and a drag can zoom; zoom, legend and options apply at once.
 */
export const MetricChart = memo(function MetricChart({ series, version, options, iterationsPerEpoch, live }: Props) {
  const [data, setData] = useState<ChartData | null>(null);
  const [zoom, setZoom] = useState<{ axis: string; range: [number, number] } | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<LineKey>>(() => new Set());
  const [held, setHeld] = useState(false);
  const built = useRef<unknown>(null);
  const { xAxis, smoothing, logY } = options;
  const range = zoom?.axis === xAxis ? zoom.range : null;
  const maxPoints = live ? LIVE_POINTS : STILL_POINTS;
  const build = useCallback(
    () => chartData(series, { xAxis, smoothing, logY, iterationsPerEpoch, maxPoints, range: range ?? undefined }),
    [series, xAxis, smoothing, logY, iterationsPerEpoch, maxPoints, range],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` changes when the series arrays (mutated in place) grow
  useEffect(() => {
    if (held && built.current === build) return;
    chartQueue.request(series.name, () => {
      built.current = build;
      const next = build();
      startTransition(() => setData(next));
    });
  }, [build, version, held, series.name]);
  useEffect(() => () => chartQueue.cancel(series.name), [series.name]);
  const onToggle = useCallback(
    (key: LineKey) =>
      setHidden((h) => {
        const next = new Set(h);
        if (!next.delete(key)) next.add(key);
        return next;
      }),
    [],
  );
  const onZoom = useCallback((r: [number, number]) => setZoom({ axis: xAxis, range: r }), [xAxis]);
  const unit = unitOf(series.name);
  return (
    <figure
      className="chart"
      aria-label={`${series.name} chart`}
      data-train-points={series.train.y.length}
      data-valid-points={series.valid.y.length}
      data-valid-epochs={series.valid.epochX.length}
      onPointerEnter={() => setHeld(true)}
      onPointerLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && setHeld(false)}
    >
      <figcaption>
        {series.name}
        {unit && <span className="unit"> ({unit})</span>}
        {range ? (
          <button type="button" className="reset-zoom" onClick={() => setZoom(null)}>
            Reset zoom
          </button>
        ) : (
          held && data && <span className="hint">drag across to zoom</span>
        )}
      </figcaption>
      {data && (
        <ChartBody
          data={data}
          xAxis={xAxis}
          logY={logY}
          iterationsPerEpoch={iterationsPerEpoch}
          unit={unit}
          hidden={hidden}
          onToggle={onToggle}
          zoom={range}
          onZoom={onZoom}
        />
      )}
    </figure>
  );
});
