import type { TooltipPayloadEntry } from 'recharts';
import type { LineKey } from './rows';

interface Props {
  readonly active?: boolean;
  readonly payload?: readonly TooltipPayloadEntry[];
  readonly label?: unknown;
  readonly xAxis: 'iteration' | 'epoch';
  readonly iterationsPerEpoch: number;
  readonly unit: string;
}

/** A line's colour swatch (a ring for the train epoch means, drawn as hollow markers). */
export function Swatch({ line, color }: { line: string; color?: string }) {
  return <span className={`swatch ${line}`} style={line === 'trainEpoch' ? { borderColor: color } : { background: color }} />;
}

/** Six significant digits, then the unit: the value as logged, rounded for reading (`data-value` keeps it exact). */
export function tooltipValue(v: number, unit: string): string {
  const text = String(Number(v.toPrecision(6)));
  return unit ? `${text}${unit === '%' ? '%' : ` ${unit}`}` : text;
}

/** Where the cursor is, and every visible line's value there (raw and smoothed train, epoch means, valid). */
export function ChartTooltip({ active, payload, label, xAxis, iterationsPerEpoch, unit }: Props) {
  if (!active || !payload?.length || typeof label !== 'number') return null;
  const where =
    xAxis === 'iteration' ? `iteration ${label} · epoch ${Math.max(1, Math.ceil(label / iterationsPerEpoch))}` : `epoch ${Number(label.toFixed(3))}`;
  return (
    <div className="chart-tooltip">
      <div className="where">{where}</div>
      {payload.map((p) =>
        typeof p.value === 'number' ? (
          <div key={String(p.dataKey)} data-line={p.dataKey as LineKey} data-value={p.value}>
            <Swatch line={String(p.dataKey)} color={p.color} /> {p.name} <b>{tooltipValue(p.value, unit)}</b>
          </div>
        ) : null,
      )}
    </div>
  );
}
