import type { TablePreview } from '../card';
import { DataError } from '../errors';
import { CR, DOT, EXACT_POW10, LF, MAX_FAST_DIGITS, MINUS, NINE, QUOTE, SEMICOLON, SPACE, TAB, ZERO } from './bytes';
import { ColumnStore } from './columns';
import { NotUtf8Error, rowWhere } from './errors';
import { MAX_CELL_BYTES, cellTooLong, checkColumnCount, checkFileSize, checkHeader } from './header';
import { HeadReader } from './head';
import { TextStart } from './start';
import type { Delimiter } from './sniff';
import { countDuplicateRows, RowSet } from './stats';
import { decode, type TableEncoding } from './text';
import type { NumberArray, ParsedTable, TableParseOptions } from './types';

/** Rows kept as text for the card's preview. */
export const PREVIEW_ROWS = 10;

// Where the scanner is between bytes: at a record's start, at a field's start (after a delimiter),
// inside an unquoted field that continues from an earlier chunk, inside quotes, or just after a
// quote inside quotes (the field's end, or the first of a doubled quote).
const LINE_START = 0;
const FIELD_START = 1;
const UNQUOTED = 2;
const QUOTED = 3;
const QUOTE_IN_QUOTED = 4;

// Room made when the columns are full, past the rows the file's size promises at the rows per byte so far.
const ROOM_MARGIN = 1.1;
// Characters of a cell the card's preview keeps.
const PREVIEW_CHARS = 200;

/**
 * Reads a CSV or TSV incrementally: push the file's bytes in chunks as they arrive, then finish().
 * A byte-level state machine: numbers are parsed from the bytes into typed columns and texts are
 * dictionary-coded, so memory follows the decoded table, never the file as a string.
 */
export class TableParser {
  private readonly file: string;
  /** UTF-8 once the file turns out to be UTF-16 (the parser reads it converted to UTF-8). */
  private encoding: TableEncoding;
  private readonly fileBytes: number | undefined;
  private read = 0;
  /** Bytes of (UTF-8) text scanned before the current piece. */
  private scanned = 0;
  /** Holds the first bytes until binary files and UTF-16 are told apart; converts UTF-16 after. */
  private readonly start: TextStart;
  /** Until the header line is complete; then the delimiter is known and bytes go straight to scan(). */
  private head: HeadReader | null;
  private delimiter: Delimiter = ',';
  private delim = 0;
  private decimalComma = false;
  private state = LINE_START;
  private scratch = new Uint8Array(256);
  private scratchLen = 0;
  private col = 0;
  private row = 0;
  private line = 1;
  private recordLine = 1;
  private prevCR = false;
  private blank = false;
  /** Past the preview rows: plain numbers may take the fused path, which keeps no text. */
  private fast = false;
  private names: string[] = [];
  private store: ColumnStore | null = null;
  private values: NumberArray[] = [];
  private previewRow: string[] = [];
  private readonly previewRows: string[][] = [];

  constructor(options: TableParseOptions) {
    this.file = options.fileName;
    this.encoding = options.encoding ?? 'utf-8';
    this.start = new TextStart(options.fileName);
    this.head = new HeadReader(options.fileName, options.delimiter);
    this.fileBytes = options.fileBytes;
    if (options.fileBytes !== undefined) checkFileSize(this.file, options.fileBytes);
  }

  /** Bytes pushed so far, for progress. */
  get bytesRead(): number {
    return this.read;
  }

  /**
   * Reads the next chunk of the file; throws a DataError (or NotUtf8Error) at the first problem.
   * What is kept of the chunk is copied: the caller may refill its buffer for the next one.
   */
  push(chunk: Uint8Array): void {
    this.read += chunk.length;
    checkFileSize(this.file, this.read);
    this.take(this.start.push(chunk));
  }

  /** Ends the file and returns the table; throws a DataError when it has no data rows. */
  finish(): ParsedTable {
    this.take(this.start.finish());
    if (this.head) this.startBody(this.head.finish());
    if (this.state === QUOTED) {
      throw new DataError(this.file, 'a quoted field that starts in this row is never closed', rowWhere(this.recordLine));
    }
    if (this.state === UNQUOTED || this.state === QUOTE_IN_QUOTED) {
      this.field(this.scratch, 0, this.scratchLen, this.state === QUOTE_IN_QUOTED);
      this.endRecord(this.scanned);
    } else if (this.state === FIELD_START) {
      this.field(this.scratch, 0, 0, false);
      this.endRecord(this.scanned);
    }
    if (!this.store && this.names.length === 0) throw new DataError(this.file, 'the file is empty');
    if (!this.store) this.startColumns();
    if (this.row === 0) throw new DataError(this.file, 'the file has a header row but no data rows');
    const rows = this.row;
    const set = new RowSet();
    const columns = this.store!.finish(rows, set);
    const preview: TablePreview = { kind: 'rows', header: this.names, rows: this.previewRows };
    return {
      source: this.file,
      rows,
      columns,
      lines: this.store!.lines,
      preview,
      duplicateRows: countDuplicateRows(columns, rows, set),
      delimiter: this.delimiter,
    };
  }

  /** Text bytes: held until the header line is complete, then scanned. */
  private take(bytes: Uint8Array): void {
    if (!this.head) return this.scan(bytes);
    const held = bytes.length > 0 ? this.head.push(bytes) : null;
    if (held) this.startBody(held);
  }

  /** The header line is in (or the file ended): scans the held bytes with the delimiter now known. */
  private startBody(held: Uint8Array): void {
    if (this.start.form !== 'utf-8') this.encoding = 'utf-8';
    this.delimiter = this.head!.delimiter!;
    this.head = null;
    this.delim = this.delimiter.charCodeAt(0);
    this.decimalComma = this.delim === SEMICOLON;
    this.scan(held);
  }

  private scan(b: Uint8Array): void {
    const n = b.length;
    const d = this.delim;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case LINE_START: {
          const c = b[i];
          if (c === LF || c === CR) {
            // A blank line, or the LF of a CRLF whose CR ended the record.
            if (!(c === LF && this.prevCR)) this.line++;
            this.prevCR = c === CR;
            i++;
          } else {
            this.prevCR = false;
            this.recordLine = this.line;
            this.state = FIELD_START;
          }
          break;
        }
        case FIELD_START: {
          if (b[i] === QUOTE) {
            this.scratchLen = 0;
            this.state = QUOTED;
            i++;
            break;
          }
          if (this.fast) {
            const next = this.numbers(b, i);
            if (next !== i) {
              i = next;
              break;
            }
          }
          let j = i;
          while (j < n) {
            const c = b[j];
            if (c === d || c === LF || c === CR) break;
            j++;
          }
          if (j === n) {
            // The field goes on in the next chunk: keep its start.
            this.scratchLen = 0;
            this.append(b, i, n);
            this.state = UNQUOTED;
            i = n;
            break;
          }
          this.field(b, i, j, false);
          i = this.terminate(b[j], j);
          break;
        }
        case UNQUOTED: {
          let j = i;
          while (j < n) {
            const c = b[j];
            if (c === d || c === LF || c === CR) break;
            j++;
          }
          this.append(b, i, j);
          if (j === n) {
            i = n;
            break;
          }
          this.field(this.scratch, 0, this.scratchLen, false);
          i = this.terminate(b[j], j);
          break;
        }
        case QUOTED: {
          let j = i;
          while (j < n && b[j] !== QUOTE) {
            if (b[j] === LF) this.line++;
            j++;
          }
          this.append(b, i, j);
          if (j === n) {
            i = n;
          } else {
            this.state = QUOTE_IN_QUOTED;
            i = j + 1;
          }
          break;
        }
        default: {
          const c = b[i];
          if (c === QUOTE) {
            this.append(b, i, i + 1);
            this.state = QUOTED;
            i++;
          } else if (c === d || c === LF || c === CR) {
            this.field(this.scratch, 0, this.scratchLen, true);
            i = this.terminate(c, i);
          } else {
            // Text after the closing quote stays part of the field, as spreadsheets read it.
            this.state = UNQUOTED;
          }
        }
      }
    }
    this.scanned += n;
  }

  /**
   * The common run of cells, plain decimal numbers each right before a delimiter or line break,
   * parsed while they are scanned (parseNumber's fast path without a second pass over the bytes).
   * Stops at the first cell it does not take (quotes, spaces, an exponent, text, the chunk's end,
   * past the last column), leaving it to the general path; returns where it stopped. Past the
   * chunk's end a byte reads as -1: an out-of-bounds read would make the engine treat every byte
   * as possibly undefined, which slows this loop by half.
   */
  private numbers(b: Uint8Array, i: number): number {
    const d = this.delim;
    const columns = this.names.length;
    const values = this.values;
    const row = this.row;
    let col = this.col;
    const n = b.length;
    while (col < columns) {
      let j = i;
      let c = j < n ? b[j] : -1;
      const negative = c === MINUS;
      if (negative) c = ++j < n ? b[j] : -1;
      let mantissa = 0;
      let digits = 0;
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = ++j < n ? b[j] : -1;
      }
      let scale = 0;
      if (c === DOT) {
        c = ++j < n ? b[j] : -1;
        while (c >= ZERO && c <= NINE) {
          mantissa = mantissa * 10 + (c - ZERO);
          digits++;
          scale++;
          c = ++j < n ? b[j] : -1;
        }
      }
      if (digits === 0 || digits > MAX_FAST_DIGITS || !(c === d || c === LF || c === CR)) break;
      const q = mantissa / EXACT_POW10[scale];
      const v = negative ? -q : q;
      const column = values[col];
      column[row] = v;
      // A float32 column that would round this value becomes float64 (see ColumnStore.widen).
      if (column[row] !== v) this.store!.widen(col)[row] = v;
      if (c !== d) {
        this.col = col;
        return this.terminate(c, j);
      }
      col++;
      i = j + 1;
    }
    this.col = col;
    return i;
  }

  /** Handles the delimiter or line break at `at`; returns where scanning goes on. */
  private terminate(c: number, at: number): number {
    if (c === this.delim) {
      this.col++;
      this.state = FIELD_START;
    } else {
      this.endRecord(this.scanned + at + 1);
      this.line++;
      this.prevCR = c === CR;
      this.state = LINE_START;
    }
    return at + 1;
  }

  private append(b: Uint8Array, from: number, to: number): void {
    const need = this.scratchLen + to - from;
    if (need > MAX_CELL_BYTES) throw cellTooLong(this.file, this.state === QUOTED, this.recordLine);
    if (need > this.scratch.length) {
      const next = new Uint8Array(Math.max(need, 2 * this.scratch.length));
      next.set(this.scratch.subarray(0, this.scratchLen));
      this.scratch = next;
    }
    this.scratch.set(b.subarray(from, to), this.scratchLen);
    this.scratchLen = need;
  }

  /** One cell: bytes [start, end) of `b`, quotes already removed. */
  private field(b: Uint8Array, start: number, end: number, quoted: boolean): void {
    const col = this.col;
    if (!quoted) {
      // Spaces around an unquoted cell ("1, 2, 3") are not part of it.
      const d = this.delim;
      while (start < end && (b[start] === SPACE || (b[start] === TAB && d !== TAB))) start++;
      while (end > start && (b[end - 1] === SPACE || (b[end - 1] === TAB && d !== TAB))) end--;
    }
    if (end - start > MAX_CELL_BYTES) throw cellTooLong(this.file, false, this.recordLine);
    if (col === 0) this.blank = !quoted && start === end;
    if (!this.store) {
      this.headerField(b, start, end);
      return;
    }
    if (col >= this.names.length) return;
    const row = this.row;
    if (row < PREVIEW_ROWS) this.previewRow.push(this.text(b, start, end).slice(0, PREVIEW_CHARS));
    this.store.cell(col, row, this.recordLine, b, start, end);
  }

  private headerField(b: Uint8Array, start: number, end: number): void {
    checkColumnCount(this.file, this.names.length + 1, this.recordLine);
    this.names.push(this.text(b, start, end));
  }

  private text(b: Uint8Array, start: number, end: number): string {
    const text = decode(this.encoding, b, start, end);
    if (text === null) throw new NotUtf8Error(this.file, this.recordLine);
    return text;
  }

  /**
   * Rows to make room for when the columns are full: as many as the file's size promises at the
   * rows per byte so far, with a margin (at least half as many again), so that a large file's
   * columns are copied about once rather than at every doubling; twice as many without the size.
   */
  private room(end: number): number {
    if (this.fileBytes === undefined) return 2 * this.row;
    return Math.max(Math.ceil((this.fileBytes / end) * this.row * ROOM_MARGIN), Math.ceil(1.5 * this.row));
  }

  /** The record that ends `end` bytes into the text is complete. */
  private endRecord(end: number): void {
    const fields = this.col + 1;
    const blank = this.blank;
    this.col = 0;
    this.blank = false;
    if (fields === 1 && blank) {
      // A line of spaces: skipped like an empty one; undo what its one cell counted.
      if (this.store) this.store.missing[0]--;
      this.previewRow = [];
      if (!this.store) this.names = [];
      return;
    }
    if (!this.store) {
      this.startColumns();
      return;
    }
    if (fields !== this.names.length) {
      throw new DataError(this.file, `expected ${this.names.length} fields, found ${fields}`, rowWhere(this.recordLine));
    }
    const store = this.store;
    store.lines.add(this.row, this.recordLine);
    if (this.row < PREVIEW_ROWS) {
      this.previewRows.push(this.previewRow);
      this.previewRow = [];
    }
    if (++this.row === store.capacity) {
      store.grow(this.room(end));
      this.values = store.values;
    }
    this.fast = this.row >= PREVIEW_ROWS;
  }

  private startColumns(): void {
    checkHeader(this.file, this.names, this.recordLine);
    this.store = new ColumnStore(this.names, this.file, this.encoding, this.decimalComma);
    this.values = this.store.values;
  }
}

/** Reads a whole file that is already in memory (tests, built-in tables). */
export function parseTable(bytes: Uint8Array, options: TableParseOptions): ParsedTable {
  const parser = new TableParser(options);
  parser.push(bytes);
  return parser.finish();
}
