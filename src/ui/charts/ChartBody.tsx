import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
  type MouseHandlerDataParam,
  type SyncMethod,
  type XAxisProps,
} from 'recharts';
import { tickValue } from '../components/format';
import { ChartTooltip } from './ChartTooltip';
import { lineName } from './Legend';
import { CHART_HEIGHT } from './LightChart';
import { LINE_COLOURS, type ChartData, type LineKey } from './rows';

/** How a chart body draws its data (shared by all charts but the zoom). */
export interface BodyProps {
  readonly data: ChartData;
  /** Came with the keyboard: the chart takes the focus once drawn (its arrow keys move the tooltip). */
  readonly focus: boolean;
  readonly xAxis: 'iteration' | 'epoch';
  readonly logY: boolean;
  readonly iterationsPerEpoch: number;
  /** The y values' unit ('' for none). */
  readonly unit: string;
  readonly hidden: ReadonlySet<LineKey>;
  /** The x range on show, or null for all of it. */
  readonly zoom: readonly [number, number] | null;
  readonly onZoom: (range: [number, number]) => void;
}

const TRAIN = LINE_COLOURS.train;
const VALID = LINE_COLOURS.valid;

// Props recharts gets are kept identical from one render to the next: a changed object makes an
// axis or a line register itself with the chart's store again, and every registration costs a
// pass over all of the chart's selectors. Only `data` changes while training.
const STYLE = { width: '100%', height: CHART_HEIGHT };
const MARGIN = { top: 6, right: 14, bottom: 0, left: 0 };
const TICK = { fontSize: 10 };
const Y_DOMAIN = ['auto', 'auto'] as const;
const CURSOR = { stroke: '#64748b', strokeDasharray: '2 2' };
const LINES: Record<LineKey, object> = {
  train: { stroke: TRAIN, dot: false },
  trainSmooth: { stroke: TRAIN, strokeWidth: 2, dot: false, activeDot: { r: 3 } },
  // Markers only: the epoch means are points, not a curve.
  trainEpoch: {
    stroke: TRAIN,
    strokeOpacity: 0,
    connectNulls: true,
    legendType: 'circle',
    dot: { r: 3.5, fill: '#fff', stroke: TRAIN, strokeOpacity: 1, strokeWidth: 1.5 },
    activeDot: { r: 4.5, fill: '#fff', stroke: TRAIN, strokeOpacity: 1 },
  },
  valid: { stroke: VALID, strokeWidth: 2, connectNulls: true, dot: { r: 3, fill: VALID, strokeWidth: 0 }, activeDot: { r: 4.5 } },
};
const RAW_FAINT = { strokeWidth: 1, strokeOpacity: 0.3, activeDot: { r: 2.5 } };
const RAW_BOLD = { strokeWidth: 2, strokeOpacity: 1, activeDot: { r: 3 } };

/**
 * An epoch boundary. Memoised: recharts' ReferenceLine registers itself with the chart's store on
 * every render it gets (an effect without dependencies), each registration a pass over all selectors.
 */
const EpochEnd = memo(function EpochEnd({ x }: { x: number }) {
  return <ReferenceLine x={x} stroke="#cbd5e1" strokeDasharray="3 3" />;
});

/** The cursor of every chart follows the one under the pointer, at the nearest x it has (charts keep different points). */
const nearestX: SyncMethod = (ticks, { activeLabel }) => {
  const x = Number(activeLabel); // the label arrives as a string
  if (activeLabel === undefined || !Number.isFinite(x)) return -1;
  let best = -1;
  for (let i = 0; i < ticks.length; i++) if (best < 0 || Math.abs(ticks[i].value - x) < Math.abs(ticks[best].value - x)) best = i;
  return best;
};

const at = (s: MouseHandlerDataParam) => (typeof s.activeLabel === 'number' ? s.activeLabel : undefined);

/**
 * One metric's recharts chart. Rendered only when its data, its options or the user's zoom and
 * legend change, never on a bare live tick: the caller hands it a new {@link ChartData} a few times
 * a second at most. Nothing animates.
 */
export const ChartBody = memo(function ChartBody({ data, focus, xAxis, logY, iterationsPerEpoch, unit, hidden, zoom, onZoom }: BodyProps) {
  const box = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, when recharts has drawn (it sizes itself first: a few frames)
  useEffect(() => {
    if (!focus) return;
    let frame = 0;
    let tries = 0;
    const take = () => {
      const svg = box.current?.querySelector<SVGElement>('svg.recharts-surface');
      if (svg) svg.focus();
      else if (++tries < 30) frame = requestAnimationFrame(take);
    };
    take();
    return () => cancelAnimationFrame(frame);
  }, []);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const smoothed = data.lines.includes('trainSmooth');
  const lines = useMemo(
    () =>
      data.lines.map((key) => ({
        key,
        dataKey: key,
        name: lineName(key, smoothed),
        hide: hidden.has(key),
        isAnimationActive: false,
        ...LINES[key],
        ...(key === 'train' ? (smoothed ? RAW_FAINT : RAW_BOLD) : {}),
      })),
    [data.lines, smoothed, hidden],
  );
  const xProps = useMemo(
    (): XAxisProps => ({
      domain: zoom ? [...zoom] : [0, 'dataMax'],
      allowDataOverflow: zoom !== null,
      allowDecimals: xAxis === 'epoch',
      tickFormatter: xAxis === 'epoch' ? (x: number) => String(Number(x.toFixed(2))) : (x: number) => x.toFixed(0),
      label: { value: xAxis, position: 'insideBottomRight', offset: 0, fontSize: 10, fill: '#64748b' } as const,
    }),
    [xAxis, zoom],
  );
  const formatY = useCallback((y: number) => `${tickValue(y)}${unit === '%' ? '%' : ''}`, [unit]);
  // Elements, not functions: recharts takes a function as a component, and a new one on every render would remount.
  const tooltip = useMemo(() => <ChartTooltip xAxis={xAxis} iterationsPerEpoch={iterationsPerEpoch} unit={unit} />, [xAxis, iterationsPerEpoch, unit]);
  const onMouseDown = useCallback((s: MouseHandlerDataParam, e: React.MouseEvent) => {
    const x = at(s);
    // A drag starts on the plot, not on the legend below it.
    if (x !== undefined && (e.target as Element).closest('svg')) setDrag({ from: x, to: x });
  }, []);
  const onMouseMove = useCallback((s: MouseHandlerDataParam) => {
    const x = at(s);
    if (x !== undefined) setDrag((d) => (d && d.to !== x ? { from: d.from, to: x } : d));
  }, []);
  const onMouseUp = useCallback(() => {
    if (drag && drag.from !== drag.to) onZoom([Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)]);
    setDrag(null);
  }, [drag, onZoom]);
  const onMouseLeave = useCallback(() => setDrag(null), []);
  return (
    <div ref={box}>
      <LineChart
        data={data.rows as object[]}
        responsive
        style={STYLE}
        margin={MARGIN}
        syncId="kiln-metrics"
        syncMethod={nearestX}
        onMouseDown={onMouseDown}
        onMouseMove={onMouseMove}
        onMouseUp={onMouseUp}
        onMouseLeave={onMouseLeave}
      >
        <CartesianGrid stroke="#eef2f7" vertical={false} />
        <XAxis dataKey="x" type="number" tick={TICK} height={34} interval={0} {...xProps} />
        <YAxis type="number" scale={logY ? 'log' : 'linear'} domain={Y_DOMAIN} tickFormatter={formatY} tickCount={6} width={54} tick={TICK} interval={0} />
        {data.epochEnds.map((x) => (
          <EpochEnd key={x} x={x} />
        ))}
        <Tooltip content={tooltip} isAnimationActive={false} cursor={CURSOR} />
        {lines.map(({ key, ...props }) => (
          <Line key={key} {...props} />
        ))}
        {drag && drag.from !== drag.to && <ReferenceArea x1={drag.from} x2={drag.to} fill="#64748b" fillOpacity={0.15} ifOverflow="hidden" />}
      </LineChart>
    </div>
  );
});
