import { DataError } from '../errors';

/**
 * A table that is not valid UTF-8. Its own class, with `code`, because the studio answers it
 * differently from other errors: it offers to read the file again as Latin-1.
 */
export class NotUtf8Error extends DataError {
  /** Tells this error apart in code, also after it crossed the worker boundary as plain data. */
  readonly code = 'not-utf8';

  constructor(file: string, row: number) {
    super(file, 'the file is not valid UTF-8 (it may be Latin-1 or Windows-1252: try reading it as Latin-1)', `row ${row}`);
  }
}

/** True when `e` is the not-UTF-8 error, after which a Latin-1 reading may work. */
export function isNotUtf8(e: unknown): e is NotUtf8Error {
  return e instanceof NotUtf8Error;
}

/** "row 17": rows counted as in a text editor, the header being row 1. */
export function rowWhere(row: number): string {
  return `row ${row}`;
}

/** "1 row", "3 rows": counts in messages. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Characters of a value quoted in a message; the rest is cut, so a huge cell cannot flood it. */
export const QUOTED_CHARS = 60;

/** `text` in double quotes for a message, cut to QUOTED_CHARS characters and "…" when longer. */
export function quoted(text: string): string {
  if (text.length <= QUOTED_CHARS) return `"${text}"`;
  // By code points, so a character outside the BMP is never cut in half.
  return `"${Array.from(text.slice(0, 2 * QUOTED_CHARS))
    .slice(0, QUOTED_CHARS)
    .join('')}…"`;
}
