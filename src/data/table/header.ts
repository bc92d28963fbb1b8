import { DATA_LIMITS, DataError } from '../errors';
import { rowWhere } from './errors';

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
    const which = repeated.map(([name, at]) => `"${name}" (columns ${list(at.map(String))})`);
    throw new DataError(file, `duplicate column names: ${which.join(', ')}`, rowWhere(line));
  }
}

/** Refuses a header with more columns than DATA_LIMITS.columns, as soon as `count` passes it. */
export function checkColumnCount(file: string, count: number, line: number): void {
  if (count > DATA_LIMITS.columns) {
    throw new DataError(file, `the table has more than ${DATA_LIMITS.columns.toLocaleString('en-US')} columns, the limit`, rowWhere(line));
  }
}

/** "1, 2 and 3". */
function list(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
