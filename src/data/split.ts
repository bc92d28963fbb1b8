import { Rng } from '../util/rng';

/** Row indices of a train/validation split, each sorted ascending. */
export interface Split {
  readonly train: Int32Array;
  readonly valid: Int32Array;
}

// Keys the split's random streams apart from the loader's per-epoch streams, which share the seed.
const SPLIT_KEY = 0x5b1e7;

function checkFraction(validFraction: number): void {
  if (!Number.isFinite(validFraction) || validFraction < 0 || validFraction >= 1) {
    throw new RangeError(`validFraction must be in [0, 1), got ${validFraction}`);
  }
}

/**
 * How many of `count` rows go to validation: round(fraction * count), at least one when the
 * fraction is positive and there are two or more, and never all of them, so training keeps each class.
 */
function validCount(count: number, validFraction: number): number {
  if (count < 2 || validFraction === 0) return 0;
  return Math.min(count - 1, Math.max(1, Math.round(validFraction * count)));
}

/** Splits rows per class so both sides keep the class proportions; deterministic in `seed`. */
export function stratifiedSplit(labels: Int32Array, validFraction: number, seed: number): Split {
  checkFraction(validFraction);
  // Rows grouped by class with a counting sort into one Int32Array: millions of rows cost a few
  // typed arrays, and nothing is spread into a call (which overflows the stack past ~120k rows).
  const present = new Set<number>();
  for (let i = 0; i < labels.length; i++) present.add(labels[i]);
  const classes = [...present].sort((a, b) => a - b);
  // Labels that are class indices 0..k-1 already (a table's are) are their own slots: no copy.
  let slots = labels;
  if (!classes.every((c, k) => c === k)) {
    const slotOf = new Map(classes.map((c, k) => [c, k]));
    slots = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) slots[i] = slotOf.get(labels[i])!;
  }
  const starts = new Int32Array(classes.length + 1);
  for (let i = 0; i < labels.length; i++) starts[slots[i] + 1]++;
  for (let k = 0; k < classes.length; k++) starts[k + 1] += starts[k];
  const grouped = new Int32Array(labels.length);
  const next = starts.slice(0, classes.length);
  for (let i = 0; i < labels.length; i++) grouped[next[slots[i]]++] = i;
  const valid = new Uint8Array(labels.length);
  // Class order and per-class streams depend only on the labels, not on the order they appear in.
  classes.forEach((c, k) => {
    const rows = Rng.derive(seed, SPLIT_KEY, c).shuffle(grouped.subarray(starts[k], starts[k + 1]));
    const count = validCount(rows.length, validFraction);
    for (let i = 0; i < count; i++) valid[rows[i]] = 1;
  });
  return sides(valid);
}

/** Splits `n` rows at random (for regression, where there are no classes to stratify). */
export function randomSplit(n: number, validFraction: number, seed: number): Split {
  checkFraction(validFraction);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  Rng.derive(seed, SPLIT_KEY).shuffle(rows);
  const valid = new Uint8Array(n);
  const count = validCount(n, validFraction);
  for (let i = 0; i < count; i++) valid[rows[i]] = 1;
  return sides(valid);
}

/** The rows marked valid and the others, each ascending: one sweep, no sort. */
function sides(valid: Uint8Array): Split {
  let count = 0;
  for (let i = 0; i < valid.length; i++) count += valid[i];
  const train = new Int32Array(valid.length - count);
  const validRows = new Int32Array(count);
  for (let i = 0, t = 0, v = 0; i < valid.length; i++) {
    if (valid[i]) validRows[v++] = i;
    else train[t++] = i;
  }
  return { train, valid: validRows };
}
