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
