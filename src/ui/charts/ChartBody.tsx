import { memo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
  type LegendPayload,
  type MouseHandlerDataParam,
  type SyncMethod,
} from 'recharts';
import { tickValue } from '../components/format';
import { ChartTooltip, Swatch } from './ChartTooltip';
import type { ChartData, LineKey } from './rows';

/** How a chart body draws its data (shared by all charts but the zoom). */
export interface BodyProps {
  readonly data: ChartData;
  readonly xAxis: 'iteration' | 'epoch';
  readonly logY: boolean;
  readonly iterationsPerEpoch: number;
  /** The y values' unit ('' for none). */
  readonly unit: string;
  readonly hidden: ReadonlySet<LineKey>;
  readonly onToggle: (key: LineKey) => void;
  /** The x range on show, or null for all of it. */
  readonly zoom: readonly [number, number] | null;
  readonly onZoom: (range: [number, number]) => void;
}

const TRAIN = '#2563eb';
const VALID = '#ea580c';

/** What the legend and the tooltip call each line. */
export function lineName(key: LineKey, smoothed: boolean): string {
  return { train: smoothed ? 'train (raw)' : 'train', trainSmooth: 'train (smoothed)', trainEpoch: 'train epoch mean', valid: 'valid' }[key];
}

/** The cursor of every chart follows the one under the pointer, at the nearest x it has (charts keep different points). */
const nearestX: SyncMethod = (ticks, { activeLabel }) => {
  const x = Number(activeLabel); // the label arrives as a string
  if (activeLabel === undefined || !Number.isFinite(x)) return -1;
  let best = -1;
  for (let i = 0; i < ticks.length; i++) if (best < 0 || Math.abs(ticks[i].value - x) < Math.abs(ticks[best].value - x)) best = i;
  return best;
};

const at = (s: MouseHandlerDataParam) => (typeof s.activeLabel === 'number' ? s.activeLabel : undefined);

/** The legend as buttons: each shows or hides its line. */
function LegendButtons({ payload, hidden, onToggle }: { payload?: readonly LegendPayload[]; hidden: ReadonlySet<LineKey>; onToggle: (key: LineKey) => void }) {
  return (
    <div className="chart-legend">
      {payload?.map((p) => {
        const key = p.dataKey as LineKey;
        return (
          <button key={key} type="button" aria-pressed={!hidden.has(key)} onClick={() => onToggle(key)}>
            <Swatch line={key} color={p.color} />
            {p.value}
          </button>
        );
      })}
    </div>
  );
}

/**
 * One metric's recharts chart. Rendered only when its data, its options or the user's zoom and
 * legend change, never on a bare live tick: the caller hands it a new {@link ChartData} a few times
 * a second at most. Nothing animates.
 */
export const ChartBody = memo(function ChartBody({ data, xAxis, logY, iterationsPerEpoch, unit, hidden, onToggle, zoom, onZoom }: BodyProps) {
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const has = (key: LineKey) => data.lines.includes(key);
  const smoothed = has('trainSmooth');
  const formatX = xAxis === 'epoch' ? (x: number) => String(Number(x.toFixed(2))) : (x: number) => x.toFixed(0);
  const formatY = (y: number) => `${tickValue(y)}${unit === '%' ? '%' : ''}`;
  const line = (key: LineKey) => ({ dataKey: key, name: lineName(key, smoothed), hide: hidden.has(key), isAnimationActive: false });
  return (
    <LineChart
      data={data.rows as object[]}
      responsive
      style={{ width: '100%', height: 230 }}
      margin={{ top: 6, right: 14, bottom: 0, left: 0 }}
      syncId="kiln-metrics"
      syncMethod={nearestX}
      onMouseDown={(s, e) => {
        const x = at(s);
        // A drag starts on the plot, not on the legend below it.
        if (x !== undefined && (e.target as Element).closest('svg')) setDrag({ from: x, to: x });
      }}
      onMouseMove={(s) => {
        const x = at(s);
        if (drag && x !== undefined && x !== drag.to) setDrag({ from: drag.from, to: x });
      }}
      onMouseUp={() => {
        if (drag && drag.from !== drag.to) onZoom([Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)]);
        setDrag(null);
      }}
      onMouseLeave={() => setDrag(null)}
    >
      <CartesianGrid stroke="#eef2f7" vertical={false} />
      <XAxis
        dataKey="x"
        type="number"
        domain={zoom ? [...zoom] : [0, 'dataMax']}
        allowDataOverflow={zoom !== null}
        allowDecimals={xAxis === 'epoch'}
        tickFormatter={formatX}
        tick={{ fontSize: 10 }}
        height={34}
        label={{ value: xAxis, position: 'insideBottomRight', offset: 0, fontSize: 10, fill: '#64748b' }}
      />
      <YAxis type="number" scale={logY ? 'log' : 'linear'} domain={['auto', 'auto']} tickFormatter={formatY} tickCount={6} width={54} tick={{ fontSize: 10 }} />
      {data.epochEnds.map((x) => (
        <ReferenceLine key={x} x={x} stroke="#cbd5e1" strokeDasharray="3 3" />
      ))}
      <Tooltip
        // Elements, not functions: recharts would take a new function as a new component and remount it on every render.
        content={<ChartTooltip xAxis={xAxis} iterationsPerEpoch={iterationsPerEpoch} unit={unit} />}
        isAnimationActive={false}
        cursor={{ stroke: '#64748b', strokeDasharray: '2 2' }}
      />
      <Legend content={<LegendButtons hidden={hidden} onToggle={onToggle} />} />
      {has('train') && (
        <Line {...line('train')} stroke={TRAIN} strokeWidth={smoothed ? 1 : 2} strokeOpacity={smoothed ? 0.3 : 1} dot={false} activeDot={{ r: 2.5 }} />
      )}
      {has('trainSmooth') && <Line {...line('trainSmooth')} stroke={TRAIN} strokeWidth={2} dot={false} activeDot={{ r: 3 }} />}
      {has('trainEpoch') && (
        // Markers only: the epoch means are points, not a curve.
        <Line
          {...line('trainEpoch')}
          stroke={TRAIN}
          strokeOpacity={0}
          connectNulls
          legendType="circle"
          dot={{ r: 3.5, fill: '#fff', stroke: TRAIN, strokeOpacity: 1, strokeWidth: 1.5 }}
          activeDot={{ r: 4.5, fill: '#fff', stroke: TRAIN, strokeOpacity: 1 }}
        />
      )}
      {has('valid') && (
        <Line {...line('valid')} stroke={VALID} strokeWidth={2} connectNulls dot={{ r: 3, fill: VALID, strokeWidth: 0 }} activeDot={{ r: 4.5 }} />
      )}
      {drag && drag.from !== drag.to && <ReferenceArea x1={drag.from} x2={drag.to} fill="#64748b" fillOpacity={0.15} ifOverflow="hidden" />}
    </LineChart>
  );
});
