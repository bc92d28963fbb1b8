import { describe, expect, it } from 'vitest';
import { thrown } from '../fixtures/table/tables';
import { TableParser, applyPreprocessing, parseTable, prepareTable, type ParsedTable, type TableChoices } from '../../src/data/table';

const MiB = 2 ** 20;
const encoder = new TextEncoder();
const regression = (label: string): TableChoices => ({ label, task: 'regression', missing: 'fill', validFraction: 0.25, seed: 1 });
const classification = (label: string): TableChoices => ({ ...regression(label), task: 'classification' });

/** Pushes `chunks` of `size` bytes made by `fill` until the parser throws; the error and how many went in. */
function pushUntilRefused(fileName: string, size: number, chunks: number, fill: (chunk: Uint8Array) => void) {
  const parser = new TableParser({ fileName, fileBytes: size * chunks });
  const chunk = new Uint8Array(size);
  fill(chunk);
  let pushed = 0;
  const error = thrown(() => {
    for (; pushed < chunks; pushed++) parser.push(chunk);
    parser.finish();
  });
  return { error, pushed };
}

/** The text of a categorical or numeric column, cell by cell. */
function cells(table: ParsedTable, name: string): string[] {
  const c = table.columns.find((col) => col.name === name)!;
  if (c.kind === 'numeric') return Array.from(c.values, String);
  return Array.from(c.codes, (k) => c.categories[k]);
}

describe('hostile tables', () => {
  it('calls_a_renamed_png_zip_or_gzip_what_it_is', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0xff, 0xc3, 10, 10, 10]);
    expect(thrown(() => parseTable(png, { fileName: 'photo.csv' })).message).toBe('photo.csv is a PNG image, not a CSV table');
    const xlsx = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]);
    expect(thrown(() => parseTable(xlsx, { fileName: 'sheet.csv' })).message).toMatch(/^sheet\.csv is a zip archive, not a CSV table \(an Excel \.xlsx/);
    const gz = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    expect(thrown(() => parseTable(gz, { fileName: 'data.csv', encoding: 'latin1' })).problem).toBe(
      'is a gzip-compressed file, not a CSV table: decompress it and drop the file inside',
    );
  });

  it('refuses_a_file_of_nul_bytes_at_its_first_chunk_not_after_holding_it', () => {
    const { error, pushed } = pushUntilRefused('zeros.csv', MiB, 1000, () => {});
    expect(error.message).toBe('zeros.csv is a binary file (it holds NUL bytes in its first 4,096 bytes, which text never does), not a CSV table');
    expect(pushed).toBe(0);
  });

  it('refuses_a_file_without_a_line_break_once_the_header_passes_8_MiB', () => {
    const { error, pushed } = pushUntilRefused('one-line.csv', MiB, 1000, (c) => c.fill(0x61));
    expect(error).toMatchObject({ file: 'one-line.csv', where: 'row 1' });
    expect(error.problem).toBe('no line break in the first 8 MiB: is this a CSV or TSV table?');
    expect(pushed).toBeLessThanOrEqual(8);
  });

  it('refuses_a_cell_over_16_MiB_naming_its_row', () => {
    for (const [start, problem] of [
      ['3,', 'a cell in this row is longer than 16 MiB'],
      ['3,"', 'a quoted field that starts in this row (is its closing quote missing?) is longer than 16 MiB'],
    ]) {
      const parser = new TableParser({ fileName: 'open.csv' });
      parser.push(encoder.encode(`a,b\n1,2\n${start}`));
      let pushed = 0;
      const e = thrown(() => {
        for (; pushed < 100; pushed++) parser.push(new Uint8Array(MiB).fill(0x62));
      });
      expect(e).toMatchObject({ file: 'open.csv', where: 'row 3', problem });
      expect(pushed).toBe(16);
    }
  });

  it('cuts_a_huge_cell_quoted_in_a_message_to_sixty_characters', () => {
    const text = `n,label\n1,a\n2,b\n${'x'.repeat(100_000)},a\n`;
    const e = thrown(() => parseTable(encoder.encode(text), { fileName: 'long.csv' }));
    expect(e.message).toBe(`long.csv: row 4: column "n" holds numbers, but this row has the text "${'x'.repeat(60)}…" (mark missing values as empty or NA)`);
  });

  it('reads_utf16_with_or_without_a_byte_order_mark_in_either_byte_order', () => {
    const text = 'name,town,n\nRené,Orléans,1\nAnne,€ville,2\n';
    const le = new Uint8Array(Buffer.from(text, 'utf16le'));
    const be = new Uint8Array(Buffer.from(text, 'utf16le')).slice();
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1], be[i]];
    const files = { 'le-bom.csv': [0xff, 0xfe, ...le], 'be-bom.csv': [0xfe, 0xff, ...be], 'le.csv': [...le], 'be.csv': [...be] };
    for (const [name, bytes] of Object.entries(files)) {
      // One byte at a time: a character split across chunks still decodes; the Latin-1 choice does not apply.
      const parser = new TableParser({ fileName: name, encoding: 'latin1' });
      for (const byte of bytes) parser.push(Uint8Array.of(byte));
      const table = parser.finish();
      expect(table.preview.kind === 'rows' && table.preview.header).toEqual(['name', 'town', 'n']);
      expect(cells(table, 'town')).toEqual(['Orléans', '€ville']);
      expect(cells(table, 'n')).toEqual(['1', '2']);
    }
  });

  it('standardizes_values_near_1e300_without_overflow', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${(i + 1) * 4e306},${i % 2 === 0 ? 'a' : 'b'},${-(i + 1)}e300`);
    const table = parseTable(encoder.encode(`big,label,neg\n${rows.join('\n')}\n`), { fileName: 'huge.csv' });
    for (const side of Object.values(prepareTable(table, classification('label'))).slice(0, 2)) {
      expect((side as { x: Float32Array }).x.every(Number.isFinite)).toBe(true);
    }
    const { train } = prepareTable(table, regression('neg'));
    expect(train.y.every(Number.isFinite)).toBe(true);
    // Standardized: the training inputs of the column have mean 0 and standard deviation 1.
    const z = Array.from({ length: train.y.length }, (_, i) => train.x[train.itemShape[0] * i]);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length).toBeCloseTo(1, 5);
    // The card's mean too: 4e306 times the mean of 1 … 40.
    const big = table.columns[0];
    expect(big.kind === 'numeric' && big.mean! / 82e306).toBeCloseTo(1, 12);
  });

  it('refuses_a_value_too_far_from_the_training_values_to_standardize_naming_the_row', () => {
    const csv = (rows: string[]) => parseTable(encoder.encode(`x,label\n${rows.join('\n')}\n`), { fileName: 'far.csv' });
    const rows = Array.from({ length: 20 }, (_, i) => `${i % 5},${i % 2}`);
    const { preprocessing } = prepareTable(csv(rows), classification('label'));
    rows[7] = '1e300,1';
    // Its input would be Infinity as a float32, and every loss NaN.
    const e = thrown(() => applyPreprocessing(preprocessing, csv(rows)));
    expect(e.where).toBe('row 9');
    expect(e.problem).toMatch(/^column "x": the value 1e\+300 is too far from the training values \(mean [\d.]+, standard deviation [\d.]+\)/);
  });
});
