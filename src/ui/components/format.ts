/** Seconds as m:ss or h:mm:ss; "--:--" when unknown. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

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
