import { startTransition, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { Point } from '../series';
import { yDomain } from '../series';
import { linearScale, logScale, nearestIndex, type Scale } from './scale';

/** One drawn series. */
export interface ChartLine {
  readonly key: string;
  readonly name: string;
  readonly color: string;
  readonly width: number;
  readonly points: readonly Point[];
  readonly opacity?: number;
  readonly dashed?: boolean;
  readonly dots?: boolean;
  /** Listed in the legend and the tooltip (faint raw series are not). */
  readonly listed?: boolean;
}

interface Props {
  readonly lines: readonly ChartLine[];
  readonly logY: boolean;
  readonly formatX: (x: number) => string;
  readonly formatY: (y: number) => string;
  readonly height?: number;
}

const M = { left: 56, right: 12, top: 8, bottom: 22 };

/**
 * Width of an element, kept current with a ResizeObserver. A new width re-renders as a
 * transition: outside an event React would otherwise render it in one piece, every chart at once.
 */
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

/** An SVG path through the points (one element per line, however many points). */
function path(points: readonly Point[], x: Scale, y: Scale): string {
  let d = '';
  for (let i = 0; i < points.length; i++) d += `${i ? 'L' : 'M'}${x(points[i].x).toFixed(1)},${y(points[i].y).toFixed(1)}`;
  return d;
}

/**
 * A light SVG line chart: a path per series, nice ticks, a legend, and a tooltip with exact
 * values that follows the pointer or the arrow keys. Rendering a few thousand points costs well
 * under a millisecond, so charts can update while training without blocking the page.
 */
export function LineChart({ lines, logY, formatX, formatY, height = 220 }: Props) {
  const [ref, width] = useWidth();
  const [cursor, setCursor] = useState<number | null>(null);
  const all = useMemo(() => lines.flatMap((l) => l.points), [lines]);
  const scales = useMemo(() => {
    if (!all.length) return null;
    let x0 = Infinity;
    let x1 = -Infinity;
    for (const p of all) {
      x0 = Math.min(x0, p.x);
      x1 = Math.max(x1, p.x);
    }
    if (x0 === x1) [x0, x1] = [x0 - 0.5, x1 + 0.5];
    const [y0, y1] = yDomain(all, logY)!;
    const x = linearScale(x0, x1, M.left, width - M.right, Math.max(2, Math.floor(width / 90)));
    const y = logY ? logScale(y0, y1, height - M.bottom, M.top) : linearScale(y0, y1, height - M.bottom, M.top, 4);
    return { x, y };
  }, [all, logY, width, height]);

  const listed = lines.filter((l) => l.listed !== false);
  const near = (x: number) =>
    listed.flatMap((l) => {
      if (!l.points.length) return [];
      const p =
        l.points[
          nearestIndex(
            l.points.map((q) => q.x),
            x,
          )
        ];
      return [{ line: l, p }];
    });
  const onPointer = (e: PointerEvent<SVGSVGElement>) => {
    if (!scales) return;
    const box = e.currentTarget.getBoundingClientRect();
    setCursor(scales.x.invert(e.clientX - box.left));
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const xs = [...new Set(listed.flatMap((l) => l.points.map((p) => p.x)))].sort((a, b) => a - b);
    if (!xs.length) return;
    if (e.key === 'Escape') return setCursor(null);
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const i = cursor === null ? xs.length - 1 : nearestIndex(xs, cursor) + (e.key === 'ArrowLeft' ? -1 : 1);
    setCursor(xs[Math.max(0, Math.min(xs.length - 1, i))]);
  };
  const tip = cursor !== null && scales ? near(cursor) : [];

  return (
    <div className="line-chart" ref={ref} tabIndex={0} onKeyDown={onKey} onBlur={() => setCursor(null)}>
      <svg width={width} height={height} onPointerMove={onPointer} onPointerLeave={() => setCursor(null)} aria-hidden="true">
        {scales && (
          <>
            {scales.y.ticks.map((t) => (
              <g key={`y${t}`}>
                <line x1={M.left} x2={width - M.right} y1={scales.y(t)} y2={scales.y(t)} className="grid" />
                <text x={M.left - 6} y={scales.y(t)} className="tick" textAnchor="end" dominantBaseline="middle">
                  {formatY(t)}
                </text>
              </g>
            ))}
            {scales.x.ticks.map((t) => (
              <text key={`x${t}`} x={scales.x(t)} y={height - 6} className="tick" textAnchor="middle">
                {formatX(t)}
              </text>
            ))}
            <line x1={M.left} x2={width - M.right} y1={height - M.bottom} y2={height - M.bottom} className="axis" />
            {lines.map((l) => (
              <g key={l.key}>
                <path
                  d={path(l.points, scales.x, scales.y)}
                  fill="none"
                  stroke={l.color}
                  strokeWidth={l.width}
                  strokeOpacity={l.opacity ?? 1}
                  strokeDasharray={l.dashed ? '4 3' : undefined}
                />
                {l.dots && l.points.map((p, i) => <circle key={i} cx={scales.x(p.x)} cy={scales.y(p.y)} r={3} fill="#fff" stroke={l.color} />)}
              </g>
            ))}
            {tip.length > 0 && <line x1={scales.x(cursor!)} x2={scales.x(cursor!)} y1={M.top} y2={height - M.bottom} className="cursor" />}
          </>
        )}
      </svg>
      {tip.length > 0 && (
        <div className="tooltip" role="tooltip" style={{ left: Math.min(scales!.x(cursor!) + 8, width - 190) }}>
          {tip.map(({ line, p }) => (
            <div key={line.key}>
              <span className="swatch" style={{ background: line.color }} /> {line.name} @ {formatX(p.x)}: <b>{p.y.toPrecision(6)}</b>
            </div>
          ))}
        </div>
      )}
      <ul className="legend">
        {listed.map((l) => (
          <li key={l.key}>
            <span className={`swatch${l.dashed ? ' dashed' : ''}`} style={{ background: l.color }} /> {l.name}
          </li>
        ))}
      </ul>
    </div>
  );
}
