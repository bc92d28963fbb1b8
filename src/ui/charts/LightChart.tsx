import { startTransition, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { tickValue } from '../components/format';
import { frameOf, type LiveData } from './live';
import { LINE_COLOURS, type ChartRow, type LineKey } from './rows';
import { linearScale, logScale, type Scale } from './scale';

/** The recharts chart's geometry, so that the two draw in the same place (see ChartBody). */
export const CHART_HEIGHT = 230;
const M = { left: 54, right: 14, top: 6, bottom: 34 };

/** Width of an element, kept current with a ResizeObserver (a new width re-renders as a transition). */
function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(400);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => startTransition(() => setWidth(Math.max(200, Math.floor(entry.contentRect.width)))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/** An SVG path through a line's points in x order; a row without the value breaks it, unless `join` (epoch points). */
function path(rows: readonly ChartRow[], key: LineKey, join: boolean, x: Scale, y: Scale): string {
  let d = '';
  let pen = false;
  for (const r of rows) {
    const v = r[key];
    if (v === undefined) {
      pen &&= join; // a train row without its value is a NaN: the line breaks there
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(r.x).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

interface Props {
  readonly live: LiveData;
  readonly hidden: ReadonlySet<LineKey>;
  readonly logY: boolean;
  readonly unit: string;
  readonly zoom: readonly [number, number] | null;
  readonly formatX: (x: number) => string;
  /** Whole numbers only on the x axis (iterations): a first epoch of two iterations ticks 0, 1, 2, not 0, 0.5, 1 … */
  readonly wholeX: boolean;
}

/**
 * A chart's lines, axes and epoch ends as a few SVG elements, redrawn from the chart's live data
 * alone: what a chart shows until the pointer or the focus comes to it, when recharts takes over
 * (tooltip, zoom, synced cursor). Recharts' redraw of a chart (its store's notifications render
 * every part of it at once) costs 45-250 ms a chart on a small machine, over the 50 ms the page
 * may block while training; this costs a few.
 */
export function LightChart({ live, hidden, logY, unit, zoom, formatX, wholeX }: Props) {
  const data = useSyncExternalStore(live.subscribe, live.get);
  const [ref, width] = useWidth();
  const frame = useMemo(() => (data ? frameOf(data, hidden, logY) : null), [data, hidden, logY]);
  const scales = useMemo(() => {
    if (!frame) return null;
    const [x0, x1] = zoom ?? frame.x;
    const x = linearScale(x0, x1, M.left, width - M.right, Math.max(2, Math.floor(width / 90)), wholeX ? 1 : 0);
    const y = logY ? logScale(frame.y[0], frame.y[1], CHART_HEIGHT - M.bottom, M.top) : linearScale(frame.y[0], frame.y[1], CHART_HEIGHT - M.bottom, M.top, 5);
    return { x, y };
  }, [frame, zoom, width, logY, wholeX]);
  const shown = (k: LineKey) => !!data?.lines.includes(k) && !hidden.has(k);
  const smoothed = !!data?.lines.includes('trainSmooth');
  return (
    <div className="light-chart" ref={ref} tabIndex={0} role="img" aria-label="chart: point or focus to read values">
      <svg width={width} height={CHART_HEIGHT} aria-hidden="true">
        {data && scales && (
          <>
            <defs>
              <clipPath id={`clip-${live.id}`}>
                <rect x={M.left} y={M.top - 5} width={width - M.left - M.right + 5} height={CHART_HEIGHT - M.top - M.bottom + 10} />
              </clipPath>
            </defs>
            {scales.y.ticks.map((t) => (
              <g key={`y${t}`}>
                <line x1={M.left} x2={width - M.right} y1={scales.y(t)} y2={scales.y(t)} className="grid" />
                <text x={M.left - 6} y={scales.y(t)} className="tick" textAnchor="end" dominantBaseline="middle">
                  {`${tickValue(t)}${unit === '%' ? '%' : ''}`}
                </text>
              </g>
            ))}
            {scales.x.ticks.map((t) => (
              <text key={`x${t}`} x={scales.x(t)} y={CHART_HEIGHT - M.bottom + 14} className="tick" textAnchor="middle">
                {formatX(t)}
              </text>
            ))}
            <line x1={M.left} x2={width - M.right} y1={CHART_HEIGHT - M.bottom} y2={CHART_HEIGHT - M.bottom} className="axis" />
            <g clipPath={`url(#clip-${live.id})`}>
              {data.epochEnds.map((e) => (
                <line key={`e${e}`} x1={scales.x(e)} x2={scales.x(e)} y1={M.top} y2={CHART_HEIGHT - M.bottom} className="epoch-end" />
              ))}
              {shown('train') && (
                <path
                  data-line="train"
                  d={path(data.rows, 'train', false, scales.x, scales.y)}
                  fill="none"
                  stroke={LINE_COLOURS.train}
                  strokeWidth={smoothed ? 1 : 2}
                  strokeOpacity={smoothed ? 0.3 : 1}
                />
              )}
              {shown('trainSmooth') && (
                <path
                  data-line="trainSmooth"
                  d={path(data.rows, 'trainSmooth', false, scales.x, scales.y)}
                  fill="none"
                  stroke={LINE_COLOURS.train}
                  strokeWidth={2}
                />
              )}
              {shown('valid') && (
                <path data-line="valid" d={path(data.rows, 'valid', true, scales.x, scales.y)} fill="none" stroke={LINE_COLOURS.valid} strokeWidth={2} />
              )}
              {shown('valid') &&
                data.rows.map((r) =>
                  r.valid === undefined ? null : <circle key={`v${r.x}`} cx={scales.x(r.x)} cy={scales.y(r.valid)} r={3} fill={LINE_COLOURS.valid} />,
                )}
              {shown('trainEpoch') &&
                data.rows.map((r) =>
                  r.trainEpoch === undefined ? null : (
                    <circle key={`t${r.x}`} cx={scales.x(r.x)} cy={scales.y(r.trainEpoch)} r={3.5} fill="#fff" stroke={LINE_COLOURS.train} strokeWidth={1.5} />
                  ),
                )}
            </g>
          </>
        )}
      </svg>
    </div>
  );
}
