import type { RunRecord } from '../../protocol/index';

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

/**
 * A run's best epoch and checkpoints as they are: "best valid Accuracy 97.50 (epoch 3) ·
 * checkpoints 3 (best), 4, 5"; a best epoch whose checkpoint is gone (runs kept before
 * retention kept it) says so.
 */
export function checkpointsLine(r: Pick<RunRecord, 'best' | 'checkpoints'>): string {
  const parts: string[] = [];
  const best = r.best;
  if (best) {
    const gone = r.checkpoints.length > 0 && !r.checkpoints.includes(best.epoch) ? ', its checkpoint not kept' : '';
    parts.push(`best ${best.metric} ${metricValue(best.value)} (epoch ${best.epoch}${gone})`);
  }
  if (r.checkpoints.length) parts.push(`checkpoints ${r.checkpoints.map((n) => (n === best?.epoch ? `${n} (best)` : String(n))).join(', ')}`);
  return parts.join(' · ');
}
