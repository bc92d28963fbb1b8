import { grow } from './dictionary';

// Breaks kept before the index considers going dense: a few blank lines or multi-line cells stay sparse.
const SPARSE_MIN = 64;

/**
 * The file line each data row starts on, for errors that name a row after parsing. Rows follow
 * one another line by line except after a blank line or a quoted cell with a line break, so only
 * those breaks are kept (row, line): a plain file costs nothing per row. A file that breaks
 * nearly every row keeps one line per row instead, never more than that.
 */
export class RowLines {
  private breakRows = new Int32Array(16);
  private breakLines = new Int32Array(16);
  private breaks = 0;
  /** One line per row, once breaks would take more room than that. */
  private dense: Int32Array | null = null;

  /** Records that data row `row` (rows in order, from 0) starts on file line `line`. */
  add(row: number, line: number): void {
    if (this.dense) {
      if (row >= this.dense.length) this.dense = grow(this.dense, row + 1);
      this.dense[row] = line;
      return;
    }
    const k = this.breaks - 1;
    if (k >= 0 && line - this.breakLines[k] === row - this.breakRows[k]) return;
    if (this.breaks >= SPARSE_MIN && 2 * this.breaks > row) {
      // Two numbers a break outgrow one a row: from here on, one a row.
      const dense = new Int32Array(2 * row + 16);
      for (let r = 0; r < row; r++) dense[r] = this.of(r);
      dense[row] = line;
      this.dense = dense;
      this.breakRows = this.breakLines = new Int32Array(0);
      return;
    }
    if (this.breaks === this.breakRows.length) {
      this.breakRows = grow(this.breakRows, this.breaks + 1);
      this.breakLines = grow(this.breakLines, this.breaks + 1);
    }
    this.breakRows[this.breaks] = row;
    this.breakLines[this.breaks++] = line;
  }

  /** The file line data row `row` starts on (the header is line 1, as a text editor counts). */
  of(row: number): number {
    if (this.dense) return this.dense[row];
    // The last break at or before the row: the lines after it follow the rows.
    let lo = 0;
    let hi = this.breaks - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.breakRows[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return this.breakLines[lo] + row - this.breakRows[lo];
  }
}
