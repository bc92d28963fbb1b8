/** Metrics in percent (0–100), as the metric logs hold them; Burn's names included (`Top-K Accuracy @ TopK(5)`). */
const PERCENT = /Accuracy|Precision|Recall|F\S* Score/;

/** The unit a metric's values are in ('' for none): what the axis and the table print beside them. */
export function unitOf(name: string): string {
  if (PERCENT.test(name)) return '%';
  if (name === 'Iteration Speed') return 'items/s';
  if (name === 'Tensor Memory') return 'MiB';
  return '';
}

/** Metrics about the engine, not the model (tensor count, memory): shown only when diagnostics are on. */
export function isDiagnostic(name: string): boolean {
  return name.startsWith('Tensor ');
}

/**
 * The value of a series that never changed (a constant learning rate), else undefined. Equal up to
 * float noise: a rate computed by a schedule may differ from itself in the last bit.
 */
export function constantValue(y: readonly number[]): number | undefined {
  if (!y.length) return undefined;
  const v = y[0];
  const tolerance = Math.abs(v) * 1e-9;
  for (const w of y) if (!(Math.abs(w - v) <= tolerance)) return undefined;
  return v;
}
