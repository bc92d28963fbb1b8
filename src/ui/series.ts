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
 * The indices of at most `max` points of `y[from, to)` to draw: the range is cut into max/2
 * buckets and each keeps its lowest and highest point in index order, so spikes survive. The
 * data itself is never thinned; drawn points are real points.
 */
export function downsample(y: readonly number[], max: number, from = 0, to = y.length): number[] {
  const n = to - from;
  if (n <= 0) return [];
  if (n <= max) return Array.from({ length: n }, (_, i) => from + i);
  const buckets = Math.floor(max / 2);
  if (buckets === 0) return max >= 1 ? [to - 1] : [];
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = from + Math.floor((b * n) / buckets);
    const end = from + Math.floor(((b + 1) * n) / buckets);
    // NaN compares false with everything, so extremes are sought among finite values only.
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      if (!Number.isFinite(y[i])) continue;
      if (lo < 0 || y[i] < y[lo]) lo = i;
      if (hi < 0 || y[i] > y[hi]) hi = i;
    }
    if (lo < 0)
      out.push(start); // a bucket of NaN stays visible as a gap
    else if (lo === hi) out.push(lo);
    else out.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  return out;
}
