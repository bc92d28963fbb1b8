import type { TableColumn } from './types';

/** Fewer values than this prove nothing: a short table's columns are often all distinct. */
const MIN_VALUES = 10;
/** Text with at least this share of distinct values names rows rather than sorting them into kinds. */
const NEAR_UNIQUE_SHARE = 0.9;

/**
 * Why a column looks like an identifier (row numbers, codes, names) rather than a measurement, or
 * undefined: whole numbers all different and in sequence (or rising row by row), or text nearly all
 * different. Such a column tells a model which row it is, which does not carry over to new rows.
 */
export function identifierReason(column: TableColumn, rows: number): string | undefined {
  const present = rows - column.missing;
  if (present < MIN_VALUES) return undefined;
  if (column.kind === 'categorical') {
    if (column.distinct === present) return `every value is different (${present} of ${present})`;
    return column.distinct >= NEAR_UNIQUE_SHARE * present ? `${column.distinct} different values in ${present} rows` : undefined;
  }
  if (column.distinct !== present || column.min === undefined || column.max === undefined) return undefined;
  const { values, min, max } = column;
  let rising = true;
  let last = -Infinity;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v !== v) continue; // missing
    if (!Number.isInteger(v)) return undefined;
    rising &&= v > last;
    last = v;
  }
  if (max - min + 1 === present) return `every value is a different whole number, ${min} to ${max} in sequence`;
  return rising ? `every value is a different whole number, rising row by row (${min} to ${max})` : undefined;
}
