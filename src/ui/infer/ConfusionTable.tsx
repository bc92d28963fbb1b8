import type { ClassificationReport } from '../../infer/evaluate';

/** A cell of the matrix: true class and predicted class. */
export interface Cell {
  readonly truth: number;
  readonly predicted: number;
}

interface Props {
  readonly report: ClassificationReport;
  readonly normalised: boolean;
  readonly selected: Cell | null;
  readonly onSelect: (cell: Cell | null) => void;
}

/** The confusion matrix (rows: true class, columns: predicted), counts or row shares; an off-diagonal cell picks its mistakes. */
export function ConfusionTable({ report, normalised, selected, onSelect }: Props) {
  const { matrix, classNames } = report;
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...matrix.flat());
  return (
    <table className="matrix" aria-label="Confusion matrix">
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {classNames.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, t) => (
          <tr key={classNames[t]}>
            <th scope="row">{classNames[t]}</th>
            {row.map((n, p) => {
              const share = rowSums[t] ? n / rowSums[t] : 0;
              const shade = normalised ? share : n / max;
              const isSelected = selected?.truth === t && selected.predicted === p;
              return (
                <td
                  key={classNames[p]}
                  className={t === p ? 'diagonal' : n === 0 ? 'zero' : undefined}
                  style={{ '--shade': shade.toFixed(3) } as React.CSSProperties}
                >
                  <button
                    type="button"
                    aria-pressed={isSelected}
                    disabled={t === p || n === 0}
                    aria-label={`true ${classNames[t]}, predicted ${classNames[p]}: ${n}`}
                    onClick={() => onSelect(isSelected ? null : { truth: t, predicted: p })}
                  >
                    {normalised ? `${(100 * share).toFixed(1)}%` : n}
                  </button>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
