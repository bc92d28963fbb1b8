import { lazy, memo, startTransition, Suspense, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { MetricSeries } from '../run-store';
import { LegendButtons } from './Legend';
import { LightChart } from './LightChart';
import { LiveData, reading } from './live';
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

/** Whether two snapshots have the same lines and epoch ends (the frame around the live lines is the same). */
const sameShape = (a: ChartData, b: ChartData) =>
  a.lines.length === b.lines.length &&
  a.lines.every((k, i) => k === b.lines[i]) &&
  a.epochEnds.length === b.epochEnds.length &&
  a.epochEnds.every((x, i) => x === b.epochEnds[i]);

const epochTick = (x: number) => String(Number(x.toFixed(2)));
const iterationTick = (x: number) => x.toFixed(0);

/** recharts loads when someone first reads a chart: it is not needed to train, and it is most of the studio's script. */
const ChartBody = lazy(() => import('./ChartBody').then((m) => ({ default: m.ChartBody })));

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
  const lines = useMemo(() => new LiveData(), []);
  // What React renders from: the lines and epoch ends (a new object only when they change, or while
  // held, when recharts draws the rows too); the growing lines go to `lines`, which the light chart draws.
  const [data, setData] = useState<ChartData | null>(null);
  const heldNow = useRef(false);
  const [zoom, setZoom] = useState<{ axis: string; range: [number, number] } | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<LineKey>>(() => new Set());
  // Recharts draws every chart while the pointer or the focus is on one (see `reading`); the light chart otherwise.
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const mine = hovered || focused;
  useEffect(() => reading.hold(lines, mine), [lines, mine]);
  useEffect(() => () => reading.hold(lines, false), [lines]);
  const held = useSyncExternalStore(reading.subscribe, reading.get);
  heldNow.current = held;
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
      lines.set(next);
      startTransition(() => setData((p) => (!heldNow.current && p && sameShape(p, next) ? p : next)));
    });
  }, [build, version, held, series.name, lines]);
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
  const formatX = xAxis === 'epoch' ? epochTick : iterationTick;
  const light = <LightChart live={lines} hidden={hidden} logY={logY} unit={unit} zoom={range} formatX={formatX} wholeX={xAxis === 'iteration'} />;
  return (
    <figure
      className="chart"
      aria-label={`${series.name} chart`}
      data-train-points={series.train.y.length}
      data-valid-points={series.valid.y.length}
      data-valid-epochs={series.valid.epochX.length}
      onPointerEnter={() => setHovered(true)}
      onPointerLeave={() => setHovered(false)}
      onFocus={() => setFocused(true)}
      // The light chart hands the focus to recharts' chart as it goes: that is not leaving.
      onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && !(e.target as Element).classList.contains('light-chart') && setFocused(false)}
    >
      <figcaption>
        {series.name}
        {unit && <span className="unit"> ({unit})</span>}
        {range ? (
          <button type="button" className="reset-zoom" onClick={() => setZoom(null)}>
            Reset zoom
          </button>
        ) : (
          mine && data && <span className="hint">drag across to zoom</span>
        )}
      </figcaption>
      {data && !held && light}
      {data && held && (
        <Suspense fallback={light}>
          <ChartBody
            data={lines.get() ?? data}
            focus={focused}
            xAxis={xAxis}
            logY={logY}
            iterationsPerEpoch={iterationsPerEpoch}
            unit={unit}
            hidden={hidden}
            zoom={range}
            onZoom={onZoom}
          />
        </Suspense>
      )}
      {data && <LegendButtons lines={data.lines} hidden={hidden} onToggle={onToggle} />}
    </figure>
  );
});
