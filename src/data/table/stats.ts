import type { TableColumn } from './types';

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
 * Scratch for the hash sets below: slots for row numbers, a power of two at least twice `rows`.
 * One serves every column and the duplicate count in turn, so reading a table allocates it once
 * (row numbers, not values: half the memory of a set of doubles).
 */
export function rowSlots(rows: number): Int32Array {
  let size = 16;
  while (size < 2 * rows) size *= 2;
  return new Int32Array(size);
}

/**
 * Distinct count, range and mean of the non-missing values, in one pass. Distinct values go
 * through a hash set of row numbers in `slots` (from rowSlots): sorting each column costs more.
 */
export function summarizeNumbers(values: Float64Array, slots: Int32Array): NumberSummary {
  slots.fill(-1);
  const mask = slots.length - 1;
  let distinct = 0;
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
  if (count === 0) return { distinct };
  // A sum past the largest double (values near 1e308) is summed again, scaled down.
  return { distinct, min, max, mean: Number.isFinite(sum) ? sum / count : scaledMean(values, Math.max(-min, max)) };
}

/** The mean of the non-missing values, summed divided by `scale` so the sum stays finite. */
function scaledMean(values: Float64Array, scale: number): number {
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

/** Rows equal to an earlier row in every column (missing equals missing); `slots` from rowSlots. */
export function countDuplicateRows(columns: readonly TableColumn[], rows: number, slots: Int32Array): number {
  const hashes = new Int32Array(rows);
  for (const col of columns) {
    for (let r = 0; r < rows; r++) {
      const cell = col.kind === 'numeric' ? hashNumber(col.values[r]) : col.codes[r];
      hashes[r] = Math.imul(hashes[r] ^ cell, 0x01000193) + 0x7f4a7c15;
    }
  }
  // Open addressing over row numbers: rows that share a hash are compared cell by cell, so a
  // collision never counts as a duplicate.
  slots.fill(-1);
  const mask = slots.length - 1;
  let duplicates = 0;
  for (let r = 0; r < rows; r++) {
    for (let s = mix(hashes[r]) & mask; ; s = (s + 1) & mask) {
      const e = slots[s];
      if (e < 0) {
        slots[s] = r;
        break;
      }
      if (hashes[e] === hashes[r] && sameRow(columns, e, r)) {
        duplicates++;
        break;
      }
    }
  }
  return duplicates;
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

/** Range, mean and (population) standard deviation of the non-missing values at `rows`; undefined if none. */
export function numericStats(values: Float64Array, rows: Int32Array): { min: number; max: number; mean: number; std: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return undefined;
  // Past 2^500, the sums run on the values divided by a power of two near the largest magnitude
  // (exact), so squares of values near 1e300 do not overflow to Infinity, which made the
  // standardization NaN everywhere. Smaller values are summed as they are.
  const largest = Math.max(-min, max);
  const scale = largest > 2 ** 500 ? 2 ** Math.min(1023, Math.ceil(Math.log2(largest))) : 1;
  // Sums of the values shifted by the first one: one pass, without the digits that plain sums of
  // squares lose when the mean is large next to the spread. A constant column sums to exactly 0.
  let shift = NaN;
  let sum = 0;
  let squares = 0;
  let count = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]] / scale;
    if (v !== v) continue;
    if (count === 0) shift = v;
    const d = v - shift;
    sum += d;
    squares += d * d;
    count++;
  }
  const variance = Math.max(0, (squares - (sum * sum) / count) / count);
  return { min, max, mean: (shift + sum / count) * scale, std: Math.sqrt(variance) * scale };
}
