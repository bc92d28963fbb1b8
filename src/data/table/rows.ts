/** A row no dataset side uses (its label is missing, or 'drop' dropped it). */
export const UNUSED = 0;
/** Rows used: all start as training rows; the split moves the validation rows to VALID. */
export const TRAIN = 1;
export const VALID = 2;

/**
 * Some rows of a table, in table order: those whose entry in `sides` is `side`. One byte a row
 * marks every side at once, where a list of row numbers per side takes four (a table of millions
 * of short rows would hold 16 MB of row numbers through encoding, besides the table and its inputs).
 */
export interface TableRows {
  /** A side per table row. */
  readonly sides: Uint8Array;
  readonly side: number;
  /** How many rows are on `side`. */
  readonly count: number;
}

/** Every row of a table of `rows` rows. */
export function allRows(rows: number): TableRows {
  return { sides: new Uint8Array(rows).fill(TRAIN), side: TRAIN, count: rows };
}

/** Table rows `gather` looks at a time: the numbers of those it keeps take at most 16 KiB. */
export const BLOCK = 4096;

/**
 * The rows of `rows` among table rows [start, start + BLOCK), their numbers written to `block`
 * (BLOCK long); returns how many. Loops over them run as fast as over a list of row numbers: a
 * test of each table row's side, whose outcome on a random split the processor cannot predict,
 * made the loops of preparing half again slower, and a list of every row of a side costs 4 bytes
 * a row. Callers gather a block once for all their columns.
 */
export function gather({ sides, side }: TableRows, start: number, block: Int32Array): number {
  const end = Math.min(sides.length, start + BLOCK);
  let count = 0;
  for (let r = start; r < end; r++) {
    // Every row is written and only those on the side are counted, without a branch: sides[r] ^ side
    // is 0 on the side and 1 to 3 off it, so one less has its sign bit set only on the side.
    block[count] = r;
    count += ((sides[r] ^ side) - 1) >>> 31;
  }
  return count;
}
