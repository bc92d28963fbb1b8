import { DataError } from '../errors';
import { isMissing, parseNumber } from './bytes';
import { ByteDictionary } from './dictionary';
import { NotUtf8Error, quoted, rowWhere } from './errors';
import { RowLines } from './lines';
import { type RowSet, summarizeNumbers } from './stats';
import { decode, type TableEncoding } from './text';
import type { CategoricalColumn, NumberArray, TableColumn } from './types';

// Rows room is made for at first: 1024, fewer for a wide table, so the first allocation stays near 4 MiB.
const INITIAL_ROWS = 1024;
const INITIAL_CELLS = 2 ** 20;

/**
 * The cells of a table being read, column by column: a number per cell for every column (NaN when
 * missing or text), and dictionary codes for a column once it has held text. The parser writes
 * numbers straight into `values`; whether a column is numeric or categorical is decided at the end.
 * A column is float32 until a value is not exactly a float32 (see `widen`), so a column of small
 * integers or halves takes 4 bytes a row, not 8, and every value stays exact.
 */
export class ColumnStore {
  /** Per column, one slot per row of capacity: float32 or, once a value needed it, float64. */
  values: NumberArray[];
  /** The file line of each row, for errors after parsing. */
  readonly lines = new RowLines();
  /** Rows the arrays can hold before growing. */
  capacity: number;
  /** Missing cells per column. */
  readonly missing: Int32Array;
  private readonly codes: (Int32Array | null)[];
  private readonly dicts: (ByteDictionary | null)[];
  private readonly texts: Int32Array;
  private readonly firstText: ({ line: number; text: string } | undefined)[];

  constructor(
    readonly names: readonly string[],
    private readonly file: string,
    private readonly encoding: TableEncoding,
    private readonly decimalComma: boolean,
  ) {
    const n = names.length;
    this.capacity = Math.max(16, Math.min(INITIAL_ROWS, Math.floor(INITIAL_CELLS / n)));
    this.values = names.map(() => new Float32Array(this.capacity));
    this.missing = new Int32Array(n);
    this.codes = names.map(() => null);
    this.dicts = names.map(() => null);
    this.texts = new Int32Array(n);
    this.firstText = names.map(() => undefined);
  }

  /** Makes room for `rows` rows (more than now) in every column. */
  grow(rows: number): void {
    this.capacity = rows;
    this.values = this.values.map((v) => {
      const next = new (v.constructor as new (n: number) => NumberArray)(rows);
      next.set(v);
      return next;
    });
    for (let c = 0; c < this.codes.length; c++) {
      const codes = this.codes[c];
      if (codes) this.codes[c] = withMissingCodes(codes, rows);
    }
  }

  /**
   * Column `col` as float64 from now on (its values so far copied exactly), returned: a value was
   * written that a float32 would round. Writers store a number, read it back, and widen when it changed.
   */
  widen(col: number): Float64Array {
    const wide = new Float64Array(this.capacity);
    wide.set(this.values[col]);
    this.values[col] = wide;
    return wide;
  }

  /** Records the cell in bytes [start, end) of `col`, `row` (on file line `line`): a number, missing, or text. */
  cell(col: number, row: number, line: number, b: Uint8Array, start: number, end: number): void {
    const v = parseNumber(b, start, end, this.decimalComma);
    if (v === v) {
      const values = this.values[col];
      values[row] = v;
      if (values[row] !== v) this.widen(col)[row] = v;
    } else if (isMissing(b, start, end)) {
      this.values[col][row] = NaN;
      this.missing[col]++;
    } else {
      this.text(col, row, line, b, start, end);
    }
  }

  /** Records the text in bytes [start, end) as the cell of `col`, `row` (on file line `line`). */
  private text(col: number, row: number, line: number, b: Uint8Array, start: number, end: number): void {
    let dict = this.dicts[col];
    let codes = this.codes[col];
    if (!dict || !codes) {
      dict = this.dicts[col] = new ByteDictionary();
      codes = this.codes[col] = new Int32Array(this.capacity).fill(-1);
    }
    let code = dict.find(b, start, end);
    if (code < 0) {
      // A new value is where bytes beyond ASCII get checked: a number or a known value is ASCII or seen.
      const text = decode(this.encoding, b, start, end);
      if (text === null) throw new NotUtf8Error(this.file, line);
      code = dict.add(b, start, end, text);
    }
    codes[row] = code;
    this.values[col][row] = NaN;
    if (this.texts[col]++ === 0) this.firstText[col] = { line, text: dict.values[code] };
  }

  /** The typed columns of the first `rows` rows; a column of numbers with some text is an error. `set`: scratch for the summaries. */
  finish(rows: number, set: RowSet): TableColumn[] {
    return this.names.map((name, c) => {
      const values = this.values[c];
      const codes = this.codes[c];
      const dict = this.dicts[c];
      // Let each column's working arrays go as soon as it is done: peak memory stays one column over.
      this.values[c] = new Float32Array(0);
      this.codes[c] = null;
      const missing = this.missing[c];
      const texts = this.texts[c];
      const numbers = rows - missing - texts;
      if (!codes || !dict || texts === 0) {
        const kept = missing ? trimmed(values, rows) : narrowed(values, rows);
        return { kind: 'numeric', name, values: kept, missing, ...summarizeNumbers(kept, set) };
      }
      const first = this.firstText[c]!;
      if (numbers >= texts) {
        throw new DataError(
          this.file,
          `column ${quoted(name)} holds numbers, but this row has the text ${quoted(first.text)} (mark missing values as empty or NA)`,
          rowWhere(first.line),
        );
      }
      // Mostly text: the few numbers become categories spelled as numbers.
      for (let r = 0; r < rows; r++) {
        if (codes[r] < 0 && values[r] === values[r]) codes[r] = codeOf(dict, String(values[r]));
      }
      return sortedCategorical(name, trimmed(codes, rows), dict.values, missing);
    });
  }
}

/** The first `rows` of `a`: a view when little is unused (no copy of a large column), else a copy. */
export function trimmed<T extends NumberArray | Int32Array>(a: T, rows: number): T {
  return (a.length - rows <= rows / 8 ? a.subarray(0, rows) : a.slice(0, rows)) as T;
}

/**
 * The first `rows` of a column with no missing value, in int8 or int16 when every value is an
 * integer that fits (exactly the same numbers in a quarter or half the memory), else as {@link trimmed}.
 */
export function narrowed(values: NumberArray, rows: number): NumberArray {
  let lo = 0;
  let hi = 0;
  for (let r = 0; r < rows; r++) {
    const v = values[r];
    if (v !== Math.trunc(v) || Object.is(v, -0)) return trimmed(values, rows);
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  if (lo < -32768 || hi > 32767) return trimmed(values, rows);
  const out = lo >= -128 && hi <= 127 ? new Int8Array(rows) : new Int16Array(rows);
  for (let r = 0; r < rows; r++) out[r] = values[r];
  return out;
}

/** `codes` copied into a larger array whose new rows read as missing (-1). */
function withMissingCodes(codes: Int32Array, capacity: number): Int32Array {
  const next = new Int32Array(capacity).fill(-1);
  next.set(codes);
  return next;
}

/** The code of an ASCII `text`, added when new. */
function codeOf(dict: ByteDictionary, text: string): number {
  const bytes = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
  const code = dict.find(bytes, 0, bytes.length);
  return code >= 0 ? code : dict.add(bytes, 0, bytes.length, text);
}

/** A categorical column with its categories sorted by code unit and the codes renumbered to match. */
function sortedCategorical(name: string, codes: Int32Array, values: readonly string[], missing: number): CategoricalColumn {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : 0));
  const rank = new Int32Array(values.length);
  order.forEach((code, i) => (rank[code] = i));
  for (let r = 0; r < codes.length; r++) if (codes[r] >= 0) codes[r] = rank[codes[r]];
  return { kind: 'categorical', name, codes, categories: order.map((i) => values[i]), missing, distinct: values.length };
}
