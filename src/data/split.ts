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
export function validCount(count: number, validFraction: number): number {
  if (count < 2 || validFraction === 0) return 0;
  return Math.min(count - 1, Math.max(1, Math.round(validFraction * count)));
}

/** Splits rows per class so both sides keep the class proportions; deterministic in `seed`. */
export function stratifiedSplit(labels: Int32Array, validFraction: number, seed: number): Split {
  checkFraction(validFraction);
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
  const groups = groupByClass(classes.length, (visit) => {
    for (let i = 0; i < labels.length; i++) visit(i, slots[i]);
  });
  const valid = new Uint8Array(labels.length);
  markStratified(groups, classes, validFraction, seed, (i) => (valid[i] = 1));
  return sides(valid);
}

/** Items grouped by class: class slot k's in `grouped` from `starts[k]` to `starts[k + 1]`. */
export interface ClassGroups {
  readonly grouped: Int32Array;
  readonly starts: Int32Array;
}

/**
 * Groups items by class with a counting sort into one Int32Array: millions of rows cost a few
 * typed arrays, and nothing is spread into a call (which overflows the stack past ~120k rows).
 * `each` calls its visitor with every item and its class slot (0 to classes - 1), the same items
 * in the same order both times it is called; each class keeps its items in that order.
 */
export function groupByClass(classes: number, each: (visit: (item: number, slot: number) => void) => void): ClassGroups {
  const starts = new Int32Array(classes + 1);
  each((_, slot) => starts[slot + 1]++);
  for (let k = 0; k < classes; k++) starts[k + 1] += starts[k];
  const grouped = new Int32Array(starts[classes]);
  const next = starts.slice(0, classes);
  each((item, slot) => (grouped[next[slot]++] = item));
  return { grouped, starts };
}

/**
 * Calls `valid` with the validation items of a stratified split of `groups` (shuffled in place),
 * whose slots are the classes `classes` (ascending); returns how many. Each class has its own
 * random stream, keyed by the class, so the split depends only on each class's items in order.
 */
export function markStratified(groups: ClassGroups, classes: readonly number[], validFraction: number, seed: number, valid: (item: number) => void): number {
  checkFraction(validFraction);
  let marked = 0;
  classes.forEach((c, k) => {
    const items = Rng.derive(seed, SPLIT_KEY, c).shuffle(groups.grouped.subarray(groups.starts[k], groups.starts[k + 1]));
    const count = validCount(items.length, validFraction);
    for (let i = 0; i < count; i++) valid(items[i]);
    marked += count;
  });
  return marked;
}

/** Splits `n` rows at random (for regression, where there are no classes to stratify). */
export function randomSplit(n: number, validFraction: number, seed: number): Split {
  checkFraction(validFraction);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  const valid = new Uint8Array(n);
  markRandom(rows, validFraction, seed, (i) => (valid[i] = 1));
  return sides(valid);
}

/** Calls `valid` with the validation items of a random split of `items` (shuffled in place); returns how many. */
export function markRandom(items: Int32Array, validFraction: number, seed: number, valid: (item: number) => void): number {
  checkFraction(validFraction);
  Rng.derive(seed, SPLIT_KEY).shuffle(items);
  const count = validCount(items.length, validFraction);
  for (let i = 0; i < count; i++) valid(items[i]);
  return count;
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
