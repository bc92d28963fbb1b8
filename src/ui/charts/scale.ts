/** Maps data values to pixels and back, with tick values for an axis. */
export interface Scale {
  (v: number): number;
  invert(px: number): number;
  readonly ticks: readonly number[];
}

/** Round tick values (1, 2 or 5 × 10^k apart, and no closer than `minStep`), about `count` of them inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5, minStep = 0): number[] {
  if (!(hi > lo)) return [lo];
  const raw = Math.max((hi - lo) / count, minStep);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A linear scale from [d0, d1] to [r0, r1] (ticks no closer than `minStep`: 1 for iterations). */
export function linearScale(d0: number, d1: number, r0: number, r1: number, tickCount = 5, minStep = 0): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = ((v: number) => r0 + (v - d0) * k) as Scale;
  return Object.assign(f, { invert: (px: number) => (k === 0 ? d0 : d0 + (px - r0) / k), ticks: niceTicks(d0, d1, tickCount, minStep) });
}

/** A base-10 log scale from [d0, d1] (both > 0) to [r0, r1]; ticks at powers of ten (and 2, 5 when few). */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const [l0, l1] = [Math.log10(d0), Math.log10(d1)];
  const inner = linearScale(l0, l1, r0, r1);
  const f = ((v: number) => inner(Math.log10(v))) as Scale;
  let ticks: number[] = [];
  const inside = (t: number) => t >= d0 * (1 - 1e-9) && t <= d1 * (1 + 1e-9); // 10 ** -4 is 9.999…e-5
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
    for (const m of l1 - l0 < 2 ? [1, 2, 5] : [1]) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (inside(t)) ticks.push(t);
    }
  }
  // A range inside one decade (a loss levelling off near 0.3) may hold no 1-2-5 value: use round linear ticks.
  if (ticks.length < 2) ticks = niceTicks(d0, d1, 3).filter(inside);
  return Object.assign(f, { invert: (px: number) => 10 ** inner.invert(px), ticks });
}

/** Index of the point whose x is nearest to `x` in an x-sorted array. */
export function nearestIndex(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}
