import { Swatch } from './ChartTooltip';
import { LINE_COLOURS, type LineKey } from './rows';

// The legend is drawn with the light chart too, so it lives apart from recharts' chart body
// (which loads only when someone reads a chart).

/** What the legend and the tooltip call each line. */
export function lineName(key: LineKey, smoothed: boolean): string {
  return { train: smoothed ? 'train (raw)' : 'train', trainSmooth: 'train (smoothed)', trainEpoch: 'train epoch mean', valid: 'valid' }[key];
}

/** The legend as buttons: each shows or hides its line. */
export function LegendButtons({ lines, hidden, onToggle }: { lines: readonly LineKey[]; hidden: ReadonlySet<LineKey>; onToggle: (key: LineKey) => void }) {
  const smoothed = lines.includes('trainSmooth');
  return (
    <div className="chart-legend">
      {lines.map((key) => (
        <button key={key} type="button" aria-pressed={!hidden.has(key)} onClick={() => onToggle(key)}>
          <Swatch line={key} color={LINE_COLOURS[key === 'valid' ? 'valid' : 'train']} />
          {lineName(key, smoothed)}
        </button>
      ))}
    </div>
  );
}
