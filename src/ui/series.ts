/** A point as the charts draw it. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * Exponential moving average with bias correction (as TensorBoard smooths): early points are
 * not dragged toward zero. `weight` in [0, 1); 0 returns the values unchanged. NaN is skipped.
 */
export function smooth(y: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...y];
  let last = 0;
  let n = 0;
  return y.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}

/**
 * At most `max` points for drawing: the range is cut into max/2 buckets and each keeps its
 * lowest and highest point in x order, so spikes survive. The data itself is never thinned.
 */
export function downsample(x: readonly number[], y: readonly number[], max: number): Point[] {
  const n = x.length;
  if (n <= max) return x.map((xi, i) => ({ x: xi, y: y[i] }));
  const buckets = Math.floor(max / 2);
  if (buckets === 0) return max >= 1 ? [{ x: x[n - 1], y: y[n - 1] }] : [];
  const out: Point[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    // NaN compares false with everything, so extremes are sought among finite values only.
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      if (!Number.isFinite(y[i])) continue;
      if (lo < 0 || y[i] < y[lo]) lo = i;
      if (hi < 0 || y[i] > y[hi]) hi = i;
    }
    if (lo < 0)
      out.push({ x: x[from], y: y[from] }); // a bucket of NaN stays visible as a gap
    else for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) out.push({ x: x[i], y: y[i] });
  }
  return out;
}

/** Options of {@link drawSeries}. */
export interface DrawOptions {
  /** Multiply fractional epochs by this for an iteration axis; 1 for an epoch axis. */
  readonly xScale: number;
  readonly smoothing: number;
  readonly maxPoints: number;
  /** Drop non-positive values (a log axis cannot show them). */
  readonly positiveOnly: boolean;
}

/** Raw and smoothed per-iteration points and epoch means of one split, ready to draw. */
export function drawSeries(
  s: { x: readonly number[]; y: readonly number[]; epochX: readonly number[]; epochY: readonly number[] },
  o: DrawOptions,
): { raw: Point[]; smoothed: Point[]; epochs: Point[] } {
  const keep = (p: Point) => Number.isFinite(p.y) && (!o.positiveOnly || p.y > 0);
  const x = s.x.map((v) => v * o.xScale);
  const raw = downsample(x, s.y, o.maxPoints).filter(keep);
  const smoothed = o.smoothing > 0 ? downsample(x, smooth(s.y, o.smoothing), o.maxPoints).filter(keep) : [];
  const epochs = s.epochX.map((e, i) => ({ x: e * o.xScale, y: s.epochY[i] })).filter(keep);
  return { raw, smoothed, epochs };
}

/**
 * A y range for drawn points with 5% padding. A flat series (a constant learning rate) gets a
 * span of a few percent of its value, so float noise is not magnified into a cliff.
 */
export function yDomain(points: readonly Point[], log: boolean): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.y);
    hi = Math.max(hi, p.y);
  }
  if (!Number.isFinite(lo)) return undefined;
  if (log) return [lo / 1.2, hi * 1.2];
  const span = Math.max(hi - lo, Math.abs(hi) * 0.05, 1e-12);
  const mid = (hi + lo) / 2;
  const half = (span / 2) * 1.1;
  return [mid - half, mid + half];
}
