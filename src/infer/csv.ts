import type { Predictions } from './predict';

/** The shortest decimal that reads back as the same float32 (predictions are float32: more digits would be noise). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(f.toPrecision(digits)));
    if (Math.fround(Number(text)) === f) return text;
  }
  return String(Number(f.toPrecision(9)));
}

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Predictions as CSV (`npm run predict` and the studio's bulk download write the same): a header,
 * then one line per input: `row,prediction`, and for classification one `p_<class name>` column per
 * class (probabilities summing to 1; the prediction is the arg-max class). `rows` names each input
 * (a table's row number, an image's path).
 */
export function predictionsCsv(predictions: Predictions, rows: readonly string[]): string {
  const lines: string[] = [];
  if (predictions.task === 'classification') {
    const { classNames, probabilities, predicted } = predictions;
    const classes = classNames.length;
    lines.push(['row', 'prediction', ...classNames.map((c) => `p_${c}`)].map(csvField).join(','));
    for (let r = 0; r < predictions.rows; r++) {
      const p = Array.from(probabilities.subarray(r * classes, (r + 1) * classes), float32Text);
      lines.push([csvField(rows[r]), csvField(classNames[predicted[r]]), ...p].join(','));
    }
  } else {
    lines.push('row,prediction');
    for (let r = 0; r < predictions.rows; r++) lines.push(`${csvField(rows[r])},${float32Text(predictions.values[r * predictions.outputs])}`);
  }
  return `${lines.join('\n')}\n`;
}
