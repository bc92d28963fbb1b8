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

/**
 * An integer with thousands separators (12,345). By hand, not toLocaleString: the first Intl
 * call of a page loads the locale data, a main-thread task of 50–100 ms here.
 */
export function grouped(n: number): string {
  const digits = String(Math.round(Math.abs(n)));
  return `${n < 0 ? '-' : ''}${digits.replace(/\B(?=(\d{3})+$)/g, ',')}`;
}

/** A local date and time, `2025-05-04 13:07` (by hand, for the reason {@link grouped} gives). */
export function dateTime(d: Date): string {
  const two = (v: number) => String(v).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
