import type { PredictionsView } from '../../protocol/index';

interface Props {
  readonly predictions: PredictionsView;
  /** Which input of the predictions. */
  readonly row: number;
  /** Classes shown, most probable first. */
  readonly top?: number;
  readonly label?: string;
}

/** One input's prediction: the most probable classes as bars, or the regression value in the label's units. */
export function Bars({ predictions, row, top = 5, label }: Props) {
  const { classNames, probabilities, values } = predictions;
  if (!classNames || !probabilities) {
    return (
      <div className="prediction-value" role="group" aria-label={`Prediction ${row + 1}`}>
        {label ?? 'Prediction'}: <strong>{Number(values![row].toPrecision(6))}</strong>
      </div>
    );
  }
  const classes = classNames.length;
  const ranked = classNames.map((name, c) => ({ name, p: probabilities[row * classes + c] })).sort((a, b) => b.p - a.p);
  return (
    <ol className="bars" aria-label={`Prediction ${row + 1}`}>
      {ranked.slice(0, top).map(({ name, p }) => (
        <li key={name}>
          <span className="bar-name">{name}</span>
          <span className="bar" style={{ width: `${(100 * p).toFixed(1)}%` }} />
          <span className="bar-value">{(100 * p).toFixed(1)}%</span>
        </li>
      ))}
    </ol>
  );
}
