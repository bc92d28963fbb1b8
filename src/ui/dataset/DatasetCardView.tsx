import { memo, useEffect, useRef } from 'react';
import type { ColumnSummary, DatasetCard, ImagePreview, TablePreview } from '../../data/card';
import { splitSizes, type CheckFix, type DataCheck } from '../../data/checks';
import { grouped as n } from '../components/format';
import { excludedColumns } from '../config/form';
import { fixLabel } from './readiness';

interface Props {
  readonly card: DatasetCard;
  /** The split the studio will make (when the data brings none). */
  readonly validFraction: number;
  readonly seed: number;
  /** The column to predict, marked in the columns table. */
  readonly label?: string;
  readonly hidden?: boolean;
  /** Columns that look like identifiers, each with its fix (leave it out). */
  readonly columnChecks?: readonly DataCheck[];
  /** Tables: the form's columns left out of the features (a JSON list). */
  readonly exclude?: string;
  readonly onFix?: (fix: CheckFix) => void;
  /** Leaves a column out of the features (`out`) or puts it back. */
  readonly onExclude?: (column: string, out: boolean) => void;
}

const num = (x: number | undefined) =>
  x === undefined ? '–' : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(+x.toFixed(3));

/** Classes drawn as bars; a label with more (an identifier picked as the label) lists the rest by count only. */
const SHOWN_CLASSES = 100;

/** One class per row: its name, a bar as long as its share of the largest class, its count. */
function ClassBars({ classes }: { classes: NonNullable<DatasetCard['classes']> }) {
  // A loop, not a spread into Math.max: a label of one class a row has hundreds of thousands.
  const max = classes.reduce((most, c) => Math.max(most, c.count), 1);
  const more = classes.length - SHOWN_CLASSES;
  return (
    <>
      <ul className="class-bars" aria-label="Items per class">
        {classes.slice(0, SHOWN_CLASSES).map((c) => (
          <li key={c.name}>
            <span className="class-name" title={c.name}>
              {c.name}
            </span>
            <span className="bar" style={{ width: `${(70 * c.count) / max}%` }} />
            <span className="count">{n(c.count)}</span>
          </li>
        ))}
      </ul>
      {more > 0 && <p className="more-classes">and {n(more)} more classes</p>}
    </>
  );
}

const SAMPLE_PIXELS = 56;

/**
 * The sample images in one canvas (one context and one draw, not one canvas per image), each
 * scaled up without smoothing, with its class beneath; the canvas names them for screen readers.
 */
function Samples({ preview, hidden }: { preview: ImagePreview; hidden?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { width, height, samples } = preview;
  const perRow = Math.max(1, Math.min(samples.length, 12));
  const rows = Math.ceil(samples.length / perRow);
  const cell = SAMPLE_PIXELS + 16;
  useEffect(() => {
    // Drawn when first shown: a card that lands while a run trains stays hidden and costs nothing.
    const ctx = hidden ? null : canvas.current?.getContext('2d');
    if (!ctx) return;
    // Every sample into one sheet, put once; a put and a draw per sample cost a canvas flush each.
    const sheet = new ImageData(width, height * samples.length);
    samples.forEach((s, i) => sheet.data.set(s.rgba, i * s.rgba.length));
    const source = new OffscreenCanvas(width, height * samples.length);
    source.getContext('2d')!.putImageData(sheet, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillStyle = '#475569';
    samples.forEach((s, i) => {
      const [x, y] = [(i % perRow) * cell, Math.floor(i / perRow) * cell];
      ctx.drawImage(source, 0, i * height, width, height, x, y, SAMPLE_PIXELS, SAMPLE_PIXELS);
      ctx.fillText(s.label.length > 10 ? `${s.label.slice(0, 9)}…` : s.label, x + SAMPLE_PIXELS / 2, y + SAMPLE_PIXELS + 11, cell - 2);
    });
  }, [samples, width, height, perRow, cell, hidden]);
  const classes = [...new Set(samples.map((s) => s.label))];
  return (
    <canvas
      ref={canvas}
      className="samples"
      width={perRow * cell}
      height={rows * cell}
      role="img"
      aria-label={`${samples.length} sample images of ${classes.join(', ')}`}
    />
  );
}

function Rows({ preview }: { preview: TablePreview }) {
  return (
    <div className="table-scroll">
      <table className="metrics preview" aria-label="First rows">
        <thead>
          <tr>
            {preview.header.map((h, i) => (
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((r, i) => (
            <tr key={i}>
              {r.map((v, j) => (
                <td key={j}>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface ColumnsProps {
  readonly columns: readonly ColumnSummary[];
  readonly label?: string;
  readonly excluded: readonly string[];
  readonly onExclude?: (column: string, out: boolean) => void;
}

function Columns({ columns, label, excluded, onExclude }: ColumnsProps) {
  return (
    <div className="table-scroll">
      <table className="metrics" aria-label="Columns">
        <thead>
          <tr>
            <th>Use</th>
            <th>Column</th>
            <th>Type</th>
            <th>Missing</th>
            <th>Values</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c) => (
            <tr key={c.name} className={excluded.includes(c.name) ? 'excluded' : undefined}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Use ${c.name}`}
                  checked={c.name === label || !excluded.includes(c.name)}
                  disabled={c.name === label || !onExclude}
                  onChange={(e) => onExclude?.(c.name, !e.currentTarget.checked)}
                />
              </td>
              <td>
                {c.name}
                {c.name === label ? ' (label)' : ''}
                {c.identifier && c.name !== label ? ' (identifier?)' : ''}
              </td>
              <td>{c.type}</td>
              <td>{n(c.missing)}</td>
              <td>
                {c.type === 'numeric'
                  ? `${num(c.min)} … ${num(c.max)}, mean ${num(c.mean)}`
                  : `${n(c.distinct)} distinct: ${(c.categories ?? []).slice(0, 5).join(', ')}${c.distinct > 5 ? ', …' : ''}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The dataset card: what the data is before training on it (memoized: the run view re-renders often while training). */
export const DatasetCardView = memo(function DatasetCardView({
  card,
  validFraction,
  seed,
  label,
  hidden,
  columnChecks = [],
  exclude,
  onFix,
  onExclude,
}: Props) {
  const shape =
    card.inputShape.length === 3
      ? `${card.inputShape[0]}×${card.inputShape[1]} ${card.inputShape[2] === 1 ? 'gray' : 'RGB'}`
      : `${n(card.inputShape[0] ?? 0)} features`;
  const { train, valid } = splitSizes(card, validFraction);
  const split = card.givenSplit
    ? `train ${n(train)} · valid ${n(valid)} (the folders' own split)`
    : `train ${n(train)} · valid ${n(valid)} (${Math.round(validFraction * 100)}% held out${card.task === 'classification' ? ', stratified' : ''}, seed ${seed})`;
  const excluded = exclude === undefined ? [] : excludedColumns({ exclude });
  return (
    <section className="dataset-card" aria-label="Dataset card" hidden={hidden}>
      <h2>{card.source}</h2>
      <p className="summary">
        {n(card.items)} {card.kind === 'images' ? 'images' : 'rows'} · {shape} · {card.task}
        {card.classes ? ` · ${card.classes.length} classes` : ''}
      </p>
      {card.error ? <p className="card-error">{card.error}</p> : <p className="split">{split}</p>}
      {(card.warnings.length > 0 || columnChecks.length > 0) && (
        <ul className="warnings" aria-label="Warnings">
          {columnChecks.map((c) => (
            <li key={c.message}>
              {c.message}
              {c.fix && onFix && (
                <button type="button" onClick={() => onFix(c.fix!)}>
                  {fixLabel(c.fix)}
                </button>
              )}
            </li>
          ))}
          {card.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      <div className="card-grid">
        {card.classes && (
          <div>
            <h3>Classes</h3>
            <ClassBars classes={card.classes} />
          </div>
        )}
        {card.target && (
          <div>
            <h3>Target: {card.target.name}</h3>
            <p>
              {num(card.target.min)} … {num(card.target.max)}, mean {num(card.target.mean)}
            </p>
          </div>
        )}
        {card.columns && (
          <div className="wide">
            <h3>Columns</h3>
            <Columns columns={card.columns} label={label} excluded={excluded} onExclude={onExclude} />
          </div>
        )}
        <div className="wide">
          <h3>{card.preview.kind === 'rows' ? 'First rows' : 'Samples'}</h3>
          {card.preview.kind === 'rows' ? <Rows preview={card.preview} /> : <Samples preview={card.preview} hidden={hidden} />}
        </div>
      </div>
      {card.skipped.length > 0 && (
        <details className="skipped">
          <summary>
            {n(card.skipped.length)} file{card.skipped.length === 1 ? '' : 's'} skipped
          </summary>
          <ul>
            {card.skipped.slice(0, 200).map((s, i) => (
              <li key={i}>
                <code>{s.path}</code>: {s.reason}
              </li>
            ))}
          </ul>
          {card.skipped.length > 200 && <p>… and {n(card.skipped.length - 200)} more</p>}
        </details>
      )}
    </section>
  );
});
