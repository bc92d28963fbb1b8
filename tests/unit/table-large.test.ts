import { describe, expect, it } from 'vitest';
import { TableParser, prepareTable } from '../../src/data/table';

const encoder = new TextEncoder();

/**
 * A CSV "x,y,label" of `rows` rows built straight into bytes (a string of this size would be slow):
 * two numbers per row and a two-class label, the label in two runs so each class passes a million rows.
 */
function bigCsv(rows: number): Uint8Array {
  const lines = Array.from({ length: 1000 }, (_, k) => encoder.encode(`${(k % 97) / 4},${k % 13}`));
  const out = new Uint8Array(16 + rows * 12);
  out.set(encoder.encode('x,y,label\n'));
  let at = 10;
  for (let r = 0; r < rows; r++) {
    const line = lines[r % 1000];
    out.set(line, at);
    at += line.length;
    out[at++] = 0x2c;
    out[at++] = r < rows / 2 ? 0x30 : 0x31;
    out[at++] = 0x0a;
  }
  return out.subarray(0, at);
}

describe('large tables', () => {
  it('prepares_a_table_of_millions_of_rows_for_classification_and_regression', () => {
    const rows = 2_500_000;
    const bytes = bigCsv(rows);
    const parser = new TableParser({ fileName: 'big.csv', fileBytes: bytes.length });
    for (let at = 0; at < bytes.length; at += 4 * 2 ** 20) parser.push(bytes.subarray(at, at + 4 * 2 ** 20));
    const table = parser.finish();
    expect(table.rows).toBe(rows);
    // Each class has 1.25 million rows: spreading one into a call overflowed the stack.
    const prepared = prepareTable(table, { label: 'label', task: 'classification', missing: 'fill', validFraction: 0.2, seed: 3 });
    expect(prepared.valid.y.length).toBe(rows * 0.2);
    expect(prepared.train.x.length).toBe(rows * 0.8 * 2);
    // Stratified: each side keeps the classes half and half.
    expect((prepared.valid.y as Int32Array).reduce((n, v) => n + v, 0)).toBe(rows * 0.1);
    const regression = prepareTable(table, { label: 'x', task: 'regression', missing: 'fill', validFraction: 0.1, seed: 3 });
    expect(regression.valid.y.length).toBe(rows * 0.1);
  }, 60_000);
});
