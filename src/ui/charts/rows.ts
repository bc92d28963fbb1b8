import type { MetricSeries, SplitSeries } from '../run-store';
import { downsample, smooth } from '../series';

/** The lines a metric's chart can have, in drawing order. */
export const LINE_KEYS = ['train', 'trainSmooth', 'trainEpoch', 'valid'] as const;
export type LineKey = (typeof LINE_KEYS)[number];

/** Train in blue, valid in orange, on every chart and in the tooltip. */
export const LINE_COLOURS = { train: '#2563eb', valid: '#ea580c' } as const;

/** One x position of a chart, with the value of every line that has a point there. */
export type ChartRow = { readonly x: number } & { [K in LineKey]?: number };

/** What one chart draws: immutable, built outside the render. */
export interface ChartData {
  /** In x order; one row per x, whichever lines have a point there. */
  readonly rows: readonly ChartRow[];
  /** The lines with at least one drawn point. */
  readonly lines: readonly LineKey[];
  /** x of the last iteration of each completed epoch, for the epoch boundaries (at most {@link MAX_BOUNDARIES}). */
  readonly epochEnds: readonly number[];
}

/** How {@link chartData} shapes a series. */
export interface RowOptions {
  readonly xAxis: 'iteration' | 'epoch';
  /** Train iterations per epoch, for the iteration axis. */
  readonly iterationsPerEpoch: number;
  /** EMA weight in [0, 1) of the smoothed train line; 0 draws none. */
  readonly smoothing: number;
  /** Leaves out values a log axis cannot show (≤ 0). */
  readonly logY: boolean;
  /** Points per line at most (min/max-preserving). */
  readonly maxPoints: number;
  /** Only this x range (a zoom): its points get all of `maxPoints`. */
  readonly range?: readonly [number, number];
}

/** More epoch boundaries than this crowd the chart: every k-th is drawn then. */
export const MAX_BOUNDARIES = 40;

/** First index in sorted `xs` at or after `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of one metric's chart. Train is drawn per iteration (raw, and smoothed when asked);
 * the epoch means of train, and valid, are one point per epoch at the epoch's last iteration
 * (x = epoch on the epoch axis), as measured: valid is never smoothed, and never spread over the
 * iterations of its epoch. Series x values are fractional epochs (epoch − 1 + i / n).
 */
export function chartData(s: MetricSeries, o: RowOptions): ChartData {
  const toX = o.xAxis === 'iteration' ? (e: number) => Math.round(e * o.iterationsPerEpoch) : (e: number) => e;
  const [lo, hi] = o.range ?? [-Infinity, Infinity];
  const drawable = (v: number) => Number.isFinite(v) && (!o.logY || v > 0);
  const rows = new Map<number, { x: number } & { [K in LineKey]?: number }>();
  const row = (x: number) => {
    let r = rows.get(x);
    if (!r) rows.set(x, (r = { x }));
    return r;
  };
  const lines = new Set<LineKey>();
  const put = (x: number, key: LineKey, v: number | undefined) => {
    if (v === undefined || !drawable(v)) return;
    row(x)[key] = v;
    lines.add(key);
  };

  // Train per iteration, with one point past each edge of a zoom so its lines reach the edges.
  const train = s.train;
  const xs = train.x.map(toX);
  const from = Math.max(0, lowerBound(xs, lo) - 1);
  const to = Math.min(xs.length, lowerBound(xs, hi) + 2);
  const smoothed = o.smoothing > 0 ? smooth(train.y, o.smoothing) : undefined;
  const putTrain = (i: number) => {
    row(xs[i]); // a value not drawn (NaN, or ≤ 0 on a log axis) still gets its row: the line breaks there
    put(xs[i], 'train', train.y[i]);
    put(xs[i], 'trainSmooth', smoothed?.[i]);
  };
  for (const i of downsample(train.y, o.maxPoints, from, to)) putTrain(i);

  const perEpoch = (side: SplitSeries, key: LineKey) => {
    let first = 0;
    while (first < side.epochX.length && toX(side.epochX[first]) < lo) first++;
    let end = first;
    while (end < side.epochX.length && toX(side.epochX[end]) <= hi) end++;
    // One epoch past each edge too: a zoom between two epochs still shows the line joining them.
    for (const i of downsample(side.epochY, o.maxPoints, Math.max(0, first - 1), Math.min(side.epochX.length, end + 1))) {
      const x = toX(side.epochX[i]);
      put(x, key, side.epochY[i]);
      // The epoch's last iteration is drawn too, even where downsampling left it out: a row of
      // the train lines without their value there would break them.
      const at = lowerBound(xs, x);
      if (xs[at] === x) putTrain(at);
    }
  };
  perEpoch(train, 'trainEpoch');
  perEpoch(s.valid, 'valid');

  const ends = (train.epochX.length ? train.epochX : s.valid.epochX).map(toX).filter((x) => x >= lo && x <= hi);
  const stride = Math.ceil(ends.length / MAX_BOUNDARIES);
  return {
    rows: [...rows.values()].sort((a, b) => a.x - b.x),
    lines: LINE_KEYS.filter((k) => lines.has(k)),
    epochEnds: ends.filter((_, i) => (i + 1) % stride === 0),
  };
}
