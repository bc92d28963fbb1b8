export { formatDuration as duration } from '../../train/renderer/progress';

/** An axis tick: three significant digits, no trailing zeros. */
export function tickValue(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(3))) : '';
}

/** A metric value with sensible precision: exponent for tiny learning rates, 4 significant digits otherwise. */
export function metricValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
}
