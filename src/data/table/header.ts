import { DATA_LIMITS, DataError } from '../errors';
import { quoted, rowWhere } from './errors';

/** Refuses a header with unnamed or repeated columns, naming them (columns counted from 1). */
export function checkHeader(file: string, names: readonly string[], line: number): void {
  const unnamed = names.flatMap((name, i) => (name === '' ? [i + 1] : []));
  if (unnamed.length > 0) {
    const which = unnamed.length === 1 ? `column ${unnamed[0]} has` : `columns ${list(unnamed.map(String))} have`;
    throw new DataError(file, `${which} no name in the header`, rowWhere(line));
  }
  const seen = new Map<string, number[]>();
  names.forEach((name, i) => seen.set(name, [...(seen.get(name) ?? []), i + 1]));
  const repeated = [...seen].filter(([, at]) => at.length > 1);
  if (repeated.length > 0) {
    const which = repeated.map(([name, at]) => `${quoted(name)} (columns ${list(at.map(String))})`);
    throw new DataError(file, `duplicate column names: ${which.join(', ')}`, rowWhere(line));
  }
}

/** Refuses a header with more columns than DATA_LIMITS.columns, as soon as `count` passes it. */
export function checkColumnCount(file: string, count: number, line: number): void {
  if (count > DATA_LIMITS.columns) {
    throw new DataError(file, `the table has more than ${DATA_LIMITS.columns.toLocaleString('en-US')} columns, the limit`, rowWhere(line));
  }
}

const MiB = 2 ** 20;

/** Refuses a file larger than DATA_LIMITS.fileBytes, as soon as `bytes` passes it. */
export function checkFileSize(file: string, bytes: number): void {
  if (bytes > DATA_LIMITS.fileBytes) throw new DataError(file, `the file is larger than the limit of ${DATA_LIMITS.fileBytes / MiB} MiB`);
}

/** Bytes one cell may take: a longer one is refused rather than held (a string's length is limited too). */
export const MAX_CELL_BYTES = 16 * MiB;

/** The error for a cell past MAX_CELL_BYTES; in quotes, most likely a quote that is never closed. */
export function cellTooLong(file: string, inQuotes: boolean, line: number): DataError {
  const what = inQuotes ? 'a quoted field that starts in this row (is its closing quote missing?)' : 'a cell in this row';
  return new DataError(file, `${what} is longer than ${MAX_CELL_BYTES / MiB} MiB`, rowWhere(line));
}

/** "1, 2 and 3". */
function list(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
