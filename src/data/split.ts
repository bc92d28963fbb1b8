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
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const rows = byClass.get(labels[i]);
    if (rows) rows.push(i);
    else byClass.set(labels[i], [i]);
  }
  const train: number[] = [];
  const valid: number[] = [];
  // Class order and per-class streams depend only on the labels, not on Map insertion order.
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = Rng.derive(seed, SPLIT_KEY, c).shuffle(byClass.get(c)!);
    const k = validCount(rows.length, validFraction);
    valid.push(...rows.slice(0, k));
    train.push(...rows.slice(k));
  }
  return { train: sorted(train), valid: sorted(valid) };
}

/** Splits `n` rows at random (for regression, where there are no classes to stratify). */
export function randomSplit(n: number, validFraction: number, seed: number): Split {
  checkFraction(validFraction);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const rows = Rng.derive(seed, SPLIT_KEY).shuffle(Array.from({ length: n }, (_, i) => i));
  const k = validCount(n, validFraction);
  return { train: sorted(rows.slice(k)), valid: sorted(rows.slice(0, k)) };
}

function sorted(rows: number[]): Int32Array {
  return Int32Array.from(rows).sort();
}
