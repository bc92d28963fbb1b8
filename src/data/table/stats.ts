import { BLOCK, gather, type TableRows } from './rows';
import type { NumberArray, TableColumn } from './types';

// Reads a double's two 32-bit halves for hashing.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashNumber(v: number): number {
  f64[0] = v + 0; // -0 and 0 are one value
  return mix(u32[0] ^ Math.imul(u32[1], 0x9e3779b1));
}

/** Murmur3's finalizer: every input bit reaches the low bits that pick a hash slot. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** What a numeric column's summary shows, over all its rows: distinct values, range and mean. */
export interface NumberSummary {
  readonly distinct: number;
  /** Undefined when every value is missing. */
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
}

/**
 * Scratch slots for the hash sets below (row numbers, open addressing, a power of two at most half
 * full), shared by every column's summary and the duplicate count in turn. It starts small and
 * doubles as the distinct keys need: a column of a few values costs a few slots, not two a row.
 */
export class RowSet {
  private slots = new Int32Array(16);

  /** The slots, emptied; twice as many when `larger` (the set ran half full: its rows go in again). */
  empty(larger = false): Int32Array {
    if (larger) this.slots = new Int32Array(2 * this.slots.length);
    return this.slots.fill(-1);
  }
}

/** Distinct count, range and mean of the non-missing values (row numbers in a hash set: half the memory of a set of doubles). */
export function summarizeNumbers(values: NumberArray, set: RowSet): NumberSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v !== v) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
  }
  const distinct = distinctNumbers(values, set);
  if (count === 0) return { distinct };
  // A sum past the largest double (values near 1e308) is summed again, scaled down.
  return { distinct, min, max, mean: Number.isFinite(sum) ? sum / count : scaledMean(values, Math.max(-min, max)) };
}

/**
 * Distinct non-missing values, through a hash set of row numbers; when it runs half full it starts
 * over twice as large (the passes cost at most twice the last one, and only one set is alive).
 */
function distinctNumbers(values: NumberArray, set: RowSet): number {
  for (let slots = set.empty(); ; slots = set.empty(true)) {
    const mask = slots.length - 1;
    const full = slots.length >> 1;
    let distinct = 0;
    let r = 0;
    for (; r < values.length && distinct < full; r++) {
      const v = values[r];
      if (v !== v) continue;
      for (let s = hashNumber(v) & mask; ; s = (s + 1) & mask) {
        const t = slots[s];
        if (t < 0) {
          slots[s] = r;
          distinct++;
          break;
        }
        if (values[t] === v) break;
      }
    }
    if (r === values.length && distinct <= full) return distinct;
  }
}

/** The mean of the non-missing values, summed divided by `scale` so the sum stays finite. */
function scaledMean(values: NumberArray, scale: number): number {
  let sum = 0;
  let count = 0;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v !== v) continue;
    sum += v / scale;
    count++;
  }
  return (sum / count) * scale;
}

/** A hash of row `r`'s cells. */
function rowHash(columns: readonly TableColumn[], r: number): number {
  let h = 0;
  for (const col of columns) h = Math.imul(h ^ (col.kind === 'numeric' ? hashNumber(col.values[r]) : col.codes[r]), 0x01000193) + 0x7f4a7c15;
  return mix(h);
}

/**
 * Rows equal to an earlier row in every column (missing equals missing). Open addressing over
 * row numbers in `set`, hashed from the cells as they are probed, and compared cell by cell, so a
 * collision never counts as a duplicate; it grows with the distinct rows, as distinctNumbers does.
 */
export function countDuplicateRows(columns: readonly TableColumn[], rows: number, set: RowSet): number {
  for (let slots = set.empty(); ; slots = set.empty(true)) {
    const mask = slots.length - 1;
    const full = slots.length >> 1;
    let distinct = 0;
    let duplicates = 0;
    let r = 0;
    for (; r < rows && distinct < full; r++) {
      for (let s = rowHash(columns, r) & mask; ; s = (s + 1) & mask) {
        const e = slots[s];
        if (e < 0) {
          slots[s] = r;
          distinct++;
          break;
        }
        if (sameRow(columns, e, r)) {
          duplicates++;
          break;
        }
      }
    }
    if (r === rows && distinct <= full) return duplicates;
  }
}

function sameRow(columns: readonly TableColumn[], a: number, b: number): boolean {
  for (const col of columns) {
    if (col.kind === 'categorical') {
      if (col.codes[a] !== col.codes[b]) return false;
    } else if (!Object.is(col.values[a] + 0, col.values[b] + 0)) {
      return false;
    }
  }
  return true;
}

/** Range, mean and (population) standard deviation of a column's values. */
export interface ColumnStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

/**
 * Range, mean and (population) standard deviation of each column's non-missing values of `rows`
 * (undefined for a column with none), every column at once over a block of gathered rows: the
 * rows are picked out of the table once, not once per column and pass.
 */
export function numericStats(columns: readonly NumberArray[], rows: TableRows): (ColumnStats | undefined)[] {
  const n = columns.length;
  const min = new Float64Array(n).fill(Infinity);
  const max = new Float64Array(n).fill(-Infinity);
  const block = new Int32Array(BLOCK);
  for (let start = 0; start < rows.sides.length; start += BLOCK) {
    const count = gather(rows, start, block);
    for (let c = 0; c < n; c++) rangeOf(columns[c], block, count, min, max, c);
  }
  // Past 2^500, the sums run on the values divided by a power of two near the largest magnitude
  // (exact), so squares of values near 1e300 do not overflow to Infinity, which made the
  // standardization NaN everywhere. Smaller values are summed as they are.
  const scale = Float64Array.from(min, (lo, c) => {
    const largest = Math.max(-lo, max[c]);
    return largest > 2 ** 500 ? 2 ** Math.min(1023, Math.ceil(Math.log2(largest))) : 1;
  });
  const sums = { shift: new Float64Array(n).fill(NaN), sum: new Float64Array(n), squares: new Float64Array(n), count: new Float64Array(n) };
  for (let start = 0; start < rows.sides.length; start += BLOCK) {
    const count = gather(rows, start, block);
    for (let c = 0; c < n; c++) if (min[c] <= max[c]) sumsOf(columns[c], block, count, scale[c], sums, c);
  }
  return columns.map((_, c) => {
    if (min[c] > max[c]) return undefined;
    const count = sums.count[c];
    const sum = sums.sum[c];
    const variance = Math.max(0, (sums.squares[c] - (sum * sum) / count) / count);
    return { min: min[c], max: max[c], mean: (sums.shift[c] + sum / count) * scale[c], std: Math.sqrt(variance) * scale[c] };
  });
}

/** Widens column `c`'s range in `min` and `max` by its values at the `count` rows of `block`. */
function rangeOf(values: NumberArray, block: Int32Array, count: number, min: Float64Array, max: Float64Array, c: number): void {
  let lo = min[c];
  let hi = max[c];
  for (let k = 0; k < count; k++) {
    const v = values[block[k]];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  min[c] = lo;
  max[c] = hi;
}

/**
 * Adds column `c`'s non-missing values at the `count` rows of `block`, divided by `scale`, to its
 * sums shifted by its first value: one pass, without the digits that plain sums of squares lose
 * when the mean is large next to the spread. A constant column sums to exactly 0.
 */
function sumsOf(
  values: NumberArray,
  block: Int32Array,
  count: number,
  scale: number,
  sums: { shift: Float64Array; sum: Float64Array; squares: Float64Array; count: Float64Array },
  c: number,
): void {
  let shift = sums.shift[c];
  let sum = sums.sum[c];
  let squares = sums.squares[c];
  let seen = sums.count[c];
  for (let k = 0; k < count; k++) {
    const v = values[block[k]] / scale;
    if (v !== v) continue;
    if (seen === 0) shift = v;
    const d = v - shift;
    sum += d;
    squares += d * d;
    seen++;
  }
  sums.shift[c] = shift;
  sums.sum[c] = sum;
  sums.squares[c] = squares;
  sums.count[c] = seen;
}
