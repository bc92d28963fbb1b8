import type { NumericValue } from './base';

/** One log line in Burn v0.19's format: "<value>,<count>". */
export function formatLine(v: NumericValue): string {
  return `${v.value},${v.count}\n`;
}

/** A metric log read back: its per-iteration values, and the epoch's own value when the log states one. */
export interface MetricLog {
  readonly values: NumericValue[];
  /** Burn 0.22's `<value>,final` line: the epoch's value as the metric computed it. */
  readonly final?: number;
}

/** A number as Kiln (JavaScript) or Burn (Rust's f64 Display: `NaN`, `inf`, `-inf`) prints it; NaN when it is none. */
function parseValue(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'nan') return Number.NaN;
  if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return t === '' ? Number.NaN : Number(text);
}

/**
 * Parses a metric log as Kiln and Burn (0.19–0.22) write it, one entry a line: `<value>,<count>`
 * (an iteration's value and the items it stands for), `<value>` (a value of weight 1), or
 * `<value>,final` (the epoch's value, Burn 0.22). A bad line throws an error naming the file and line number.
 */
export function parseMetricLog(text: string, file: string): MetricLog {
  const values: NumericValue[] = [];
  let final: number | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    const [value, count, extra] = line.split(',');
    const v = parseValue(value);
    // "NaN" is a legitimate value (a diverged loss); anything else unparsable is corruption.
    const bad = () => new Error(`${file}:${i + 1}: not a metric line: '${line}'`);
    if (extra !== undefined || (Number.isNaN(v) && value.trim().toLowerCase() !== 'nan')) throw bad();
    if (count === 'final') {
      final = v;
      return;
    }
    const c = count === undefined ? 1 : count.trim() === '' ? Number.NaN : Number(count);
    if (!Number.isInteger(c) || c < 0) throw bad();
    values.push({ value: v, count: c });
  });
  return { values, final };
}

/** Parses a metric log's per-iteration values (see `parseMetricLog`). */
export function parseLines(text: string, file: string): NumericValue[] {
  return parseMetricLog(text, file).values;
}
