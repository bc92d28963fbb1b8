interface Props {
  readonly truth: Float32Array;
  readonly predicted: Float32Array;
  readonly label?: string;
}

const SIZE = 320;
const PAD = 36;

/** Predicted against true values (label units), with the line where they are equal. */
export function Scatter({ truth, predicted, label }: Props) {
  const all = [...truth, ...predicted];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || 1;
  const at = (v: number) => PAD + ((v - lo) / span) * (SIZE - 2 * PAD);
  const fmt = (v: number) => String(Number(v.toPrecision(3)));
  return (
    <svg className="scatter" viewBox={`0 0 ${SIZE} ${SIZE}`} width={SIZE} height={SIZE} role="img" aria-label={`Predicted against true ${label ?? 'values'}`}>
      <line x1={at(lo)} y1={SIZE - at(lo)} x2={at(hi)} y2={SIZE - at(hi)} className="diagonal" />
      {Array.from(truth, (t, i) => (
        <circle key={i} cx={at(t)} cy={SIZE - at(predicted[i])} r={2.5} />
      ))}
      <text x={SIZE / 2} y={SIZE - 6} textAnchor="middle">
        true {label ?? ''} ({fmt(lo)} – {fmt(hi)})
      </text>
      <text x={12} y={SIZE / 2} textAnchor="middle" transform={`rotate(-90 12 ${SIZE / 2})`}>
        predicted
      </text>
    </svg>
  );
}
