import type { NumericValue } from './base';

/** One log line in Burn v0.19's format: "<value>,<count>". */
export function formatLine(v: NumericValue): string {
  return `${v.value},${v.count}\n`;
}

/** Parses a metric log; a bad line throws an error naming the file and line number. */
export function parseLines(text: string, file: string): NumericValue[] {
  const out: NumericValue[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    const [value, count, extra] = line.split(',');
    const v = Number(value);
    const c = Number(count);
    // "NaN" is a legitimate value (a diverged loss); anything else unparsable is corruption.
    const empty = value.trim() === '' || count === undefined || count.trim() === '';
    if (empty || extra !== undefined || (Number.isNaN(v) && value !== 'NaN') || !Number.isInteger(c) || c < 0) {
      throw new Error(`${file}:${i + 1}: not a metric line: '${line}'`);
    }
    out.push({ value: v, count: c });
  });
  return out;
}
