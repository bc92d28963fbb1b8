import { describe, expect, it } from 'vitest';
import { fixture, read, parseText, thrown } from '../fixtures/table/tables';
import { Rng } from '../../src/util/rng';
import { TableParser, applyPreprocessing, isNotUtf8, parseTable, prepareTable, type ParsedTable } from '../../src/data/table';
import { RowLines } from '../../src/data/table/lines';

/** The file line of every data row, as errors name them. */
const linesOf = (t: ParsedTable) => Array.from({ length: t.rows }, (_, r) => t.lines.of(r));

/** Column `name` as a user would read it: numbers, category names, null for missing. */
function cells(table: ParsedTable, name: string): (number | string | null)[] {
  const column = table.columns.find((c) => c.name === name)!;
  if (column.kind === 'numeric') return Array.from(column.values, (v) => (Number.isNaN(v) ? null : v));
  return Array.from(column.codes, (k) => (k < 0 ? null : column.categories[k]));
}

describe('table parser', () => {
  it('reads_numbers_text_and_missing_values_into_typed_columns', () => {
    const t = read('basic.csv');
    expect(t.rows).toBe(6);
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([
      ['sepal_length', 'numeric'],
      ['sepal_width', 'numeric'],
      ['colour', 'categorical'],
      ['species', 'categorical'],
    ]);
    expect(cells(t, 'sepal_length')).toEqual([5.1, 4.9, 7, 6.4, 6.3, 5.8]);
    expect(cells(t, 'sepal_width')).toEqual([3.5, null, 3.2, 3.2, 3.3, 2.7]);
    // Empty and "N/a" are missing values, not categories.
    expect(cells(t, 'colour')).toEqual(['red', 'blue', null, 'red', null, 'blue']);
    expect(t.columns[2]).toMatchObject({ missing: 2, distinct: 2, categories: ['blue', 'red'] });
    expect(t.columns[1]).toMatchObject({ missing: 1, distinct: 4, min: 2.7, max: 3.5 });
  });

  it('treats_every_missing_marker_case_insensitively', () => {
    const t = parseText('a,b\n1,x\n,x\nNA,x\nn/a,x\nNaN,x\nNULL,x\n?,x\nnull,x\n2,x\n');
    expect(cells(t, 'a')).toEqual([1, null, null, null, null, null, null, null, 2]);
    expect(t.columns[0].missing).toBe(7);
  });

  it('parses_numbers_as_Number_does', () => {
    const spellings = [
      '0',
      '-0.5',
      '+3',
      '.25',
      '5.',
      '1e3',
      '-2.5E-3',
      '123456789012345678',
      '0.1000000000000000055511151231257827',
      '1.7976931348623157e308',
      '5e-324',
      '  42  ',
      '007',
      '3.14159265358979323846',
    ];
    const t = parseText(`v,w\n${spellings.map((s) => `${s},x`).join('\n')}\n`);
    expect(t.columns[0].kind).toBe('numeric');
    expect(cells(t, 'v')).toEqual(spellings.map((s) => Number(s)));
  });

  it('follows_rfc4180_quoting_across_crlf_and_multiline_fields', () => {
    const t = read('quoted.csv');
    expect(t.rows).toBe(5);
    expect(cells(t, 'comment')).toEqual(['plain', 'with, comma', 'she said "hi"', 'two\r\nlines', 'after']);
    expect(cells(t, 'score')).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    // The last line has no line break; the field with a line break makes row 6 start on line 7.
    expect(linesOf(t)).toEqual([2, 3, 4, 5, 7]);
  });

  it('gives_the_same_table_whatever_the_chunk_boundaries', () => {
    const bytes = fixture('quoted.csv');
    const whole = parseTable(bytes, { fileName: 'quoted.csv' });
    for (const size of [1, 2, 3, 7]) {
      const parser = new TableParser({ fileName: 'quoted.csv' });
      for (let at = 0; at < bytes.length; at += size) parser.push(bytes.subarray(at, at + size));
      expect(parser.bytesRead).toBe(bytes.length);
      const t = parser.finish();
      expect(t.columns.map((c) => cells(t, c.name))).toEqual(whole.columns.map((c) => cells(whole, c.name)));
      expect(linesOf(t)).toEqual(linesOf(whole));
    }
  });

  it('reads_a_file_pushed_through_one_buffer_refilled_for_each_piece', () => {
    // A header past the first 4 KiB, which are held until the file's text form is known: both the
    // start and the header are held across pieces, as are quoted cells split between them.
    const names = Array.from({ length: 600 }, (_, c) => `column_${c}`);
    const rows = Array.from({ length: 40 }, (_, r) => names.map((_, c) => (c % 7 === 0 ? `"t ${r % 3}, ""x"""` : String(((r * c) % 11) / 2))).join(','));
    const bytes = new TextEncoder().encode(`${names.join(',')}\n${rows.join('\r\n')}\n`);
    const whole = parseTable(bytes, { fileName: 'wide.csv' });
    for (const size of [7, 1000, 5000]) {
      const parser = new TableParser({ fileName: 'wide.csv' });
      const buffer = new Uint8Array(size);
      for (let at = 0; at < bytes.length; at += size) {
        const piece = bytes.subarray(at, at + size);
        buffer.set(piece);
        parser.push(buffer.subarray(0, piece.length));
      }
      buffer.fill(0x21);
      expect(parser.finish()).toEqual(whole);
    }
  });

  it('reads_every_row_when_the_rows_after_the_first_thousands_are_much_shorter', () => {
    // Room for rows is estimated from the file's size and the bytes per row so far: here the
    // estimate from the first rows falls far short, and the columns grow again, keeping every value.
    const long = Array.from({ length: 3000 }, (_, r) => `${r},"${'x'.repeat(200)}"`);
    const short = Array.from({ length: 60_000 }, (_, r) => `${3000 + r},y`);
    const bytes = new TextEncoder().encode(`id,text\n${[...long, ...short].join('\n')}\n`);
    const parser = new TableParser({ fileName: 'shrinking.csv', fileBytes: bytes.length });
    for (let at = 0; at < bytes.length; at += 65536) parser.push(bytes.subarray(at, at + 65536));
    const t = parser.finish();
    expect(t.rows).toBe(63_000);
    expect(cells(t, 'id')).toEqual(Array.from({ length: 63_000 }, (_, r) => r));
    expect(t.columns[1]).toMatchObject({ kind: 'categorical', categories: ['x'.repeat(200), 'y'] });
  });

  it('reads_many_rows_of_varied_numbers_exactly_whatever_the_chunking', () => {
    // Past the first rows plain numbers take a faster path than the rest: both must agree with Number().
    const rng = new Rng(5);
    const spell = () => {
      const v = (rng.next() - 0.5) * 10 ** rng.int(8);
      const forms = [v.toFixed(rng.int(7)), v.toExponential(3), String(v), ` ${v.toFixed(2)}`, `"${v.toFixed(1)}"`, ''];
      return forms[rng.int(forms.length)];
    };
    const rows = Array.from({ length: 300 }, () => [spell(), spell(), spell()]);
    const text = `a,b,c\r\n${rows.map((r) => r.join(',')).join('\r\n')}`;
    const expected = (k: number) => rows.map((r) => (r[k] === '' ? null : Number(r[k].replaceAll('"', ''))));
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 13, 4096, bytes.length]) {
      const parser = new TableParser({ fileName: 'many.csv', fileBytes: bytes.length });
      for (let at = 0; at < bytes.length; at += size) parser.push(bytes.subarray(at, at + size));
      const t = parser.finish();
      expect(t.rows).toBe(300);
      for (const [k, name] of ['a', 'b', 'c'].entries()) expect(cells(t, name)).toEqual(expected(k));
    }
  });

  it('keeps_a_column_of_exact_float32_values_in_float32_and_widens_exactly_at_the_first_that_is_not', () => {
    // Past the preview rows plain numbers take the fused path, quoted or exponent ones the general
    // one: a value a float32 would round turns its column float64 on either path, earlier values exact.
    const n = 3000;
    const spellings = {
      small: (r: number) => String((r % 401) / 4 - 50), // quarters and integers: all float32 exactly
      fused: (r: number) => (r === 2000 ? '0.1' : String(r % 1000)),
      general: (r: number) => (r === 2500 ? '"16777217"' : r % 2 ? `${r}e-2` : `"${r}"`), // 2^24 + 1 is not a float32
      big: (r: number) => (r === 0 ? '1e300' : String(r)), // from the first row
    };
    const names = Object.keys(spellings) as (keyof typeof spellings)[];
    const rows = Array.from({ length: n }, (_, r) => names.map((k) => spellings[k](r)).join(','));
    const t = parseText(`${names.join(',')}\n${rows.join('\n')}\n`);
    const kinds = t.columns.map((c) => (c.kind === 'numeric' ? c.values.constructor.name : c.kind));
    expect(kinds).toEqual(['Float32Array', 'Float64Array', 'Float64Array', 'Float64Array']);
    for (const name of names) {
      const expected = Array.from({ length: n }, (_, r) => Number(spellings[name](r).replaceAll('"', '')));
      expect(cells(t, name)).toEqual(expected);
      const present = new Set(expected);
      const sum = expected.reduce((a, b) => a + b, 0);
      expect(t.columns.find((c) => c.name === name)).toMatchObject({
        distinct: present.size,
        min: expected.reduce((a, b) => Math.min(a, b)),
        max: expected.reduce((a, b) => Math.max(a, b)),
        mean: sum / n,
      });
    }
  });

  it('keeps_columns_of_small_integers_in_int8_or_int16_with_the_same_numbers_and_the_same_prepared_data', () => {
    const n = 3000;
    const spellings = {
      label: (r: number) => String(r % 2), // a 0/1 label: int8
      count: (r: number) => String(((r * 37) % 600) - 300), // int16
      signed: (r: number) => String((r % 256) - 128), // exactly int8's range
      fraction: (r: number) => (r === 2999 ? '0.5' : String(r % 3)), // one half: stays float32
      gap: (r: number) => (r === 10 ? '' : String(r % 5)), // a missing value (NaN) needs a float
      wide: (r: number) => (r === 7 ? '40000' : String(r % 9)), // past int16
    };
    const names = Object.keys(spellings) as (keyof typeof spellings)[];
    const text = `${names.join(',')}\n${Array.from({ length: n }, (_, r) => names.map((k) => spellings[k](r)).join(',')).join('\n')}\n`;
    const t = parseText(text);
    const kinds = t.columns.map((c) => (c.kind === 'numeric' ? c.values.constructor.name : c.kind));
    expect(kinds).toEqual(['Int8Array', 'Int16Array', 'Int8Array', 'Float32Array', 'Float32Array', 'Float32Array']);
    for (const name of names) {
      const expected = Array.from({ length: n }, (_, r) => (spellings[name](r) === '' ? null : Number(spellings[name](r))));
      expect(cells(t, name)).toEqual(expected);
    }
    // The same features and labels as from the same columns held as float32.
    const floats: ParsedTable = { ...t, columns: t.columns.map((c) => (c.kind === 'numeric' ? { ...c, values: Float32Array.from(c.values) } : c)) };
    const choices = { label: 'label', task: 'classification' as const, missing: 'fill' as const, validFraction: 0.2, seed: 3 };
    const [a, b] = [prepareTable(t, choices), prepareTable(floats, choices)];
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.valid.y)).toEqual(Array.from(b.valid.y));
  });

  it('counts_distinct_values_and_repeated_rows_past_any_initial_table_size', () => {
    // 50,000 rows, 20,000 distinct values in a and 30,000 distinct (a, b) rows: the hash sets grow.
    const rows = Array.from({ length: 50_000 }, (_, r) => `${r % 20_000},${r % 30_000 < 20_000 ? 'x' : 'y'}`);
    const t = parseText(`a,b\n${rows.join('\n')}\n`);
    expect(t.columns[0]).toMatchObject({ distinct: 20_000, min: 0, max: 19_999 });
    expect(t.duplicateRows).toBe(50_000 - new Set(rows).size);
  });

  it('names_the_file_line_of_a_row_after_blank_lines_and_multiline_cells', () => {
    const { preprocessing } = prepareTable(parseText('v,label\n1,a\n2,b\n3,a\n4,b\n'), {
      label: 'label',
      task: 'classification',
      missing: 'fill',
      validFraction: 0,
      seed: 0,
    });
    // A row the model cannot take (an unknown class) is named by its line, wherever lines and rows part.
    for (const blankEvery of [250, 1]) {
      let text = 'v,label,note\n';
      let badLine = 0;
      for (let r = 0; r < 1000; r++) {
        if (r % blankEvery === 1 % blankEvery) text += '\n';
        if (r === 700) badLine = text.split('\n').length;
        text += `${r},${r === 700 ? 'c' : r % 2 ? 'a' : 'b'},${r % 250 === 7 ? '"two\nlines"' : 'x'}\n`;
      }
      const e = thrown(() => applyPreprocessing(preprocessing, parseText(text, 'new.csv')));
      expect(e.message).toBe(`new.csv: row ${badLine}: the label column "label" has a class the model does not know`);
    }
  });

  it('row_lines_answer_every_row_whether_breaks_are_few_or_on_every_row', () => {
    const rng = new Rng(9);
    for (const often of [0.01, 0.9]) {
      const lines = new RowLines();
      const expected: number[] = [];
      let line = 2;
      for (let r = 0; r < 5000; r++) {
        if (rng.next() < often) line += 1 + rng.int(3); // blank lines or a cell's line breaks before this row
        expected.push(line);
        lines.add(r, line);
        line++;
      }
      expect(Array.from({ length: 5000 }, (_, r) => lines.of(r))).toEqual(expected);
    }
  });

  it('strips_the_byte_order_mark_and_ignores_blank_lines_at_the_end', () => {
    const t = read('bom.csv');
    expect(t.columns.map((c) => c.name)).toEqual(['name', 'value']);
    expect(t.rows).toBe(2);
    expect(cells(t, 'name')).toEqual(['a', 'b']);
  });

  it('reads_the_last_row_with_or_without_a_final_line_break', () => {
    for (const ending of ['', '\n', '\r\n', '\n\n\r\n  \n']) {
      const t = parseText(`a,b\n1,2\n3,4${ending}`);
      expect(cells(t, 'b')).toEqual([2, 4]);
    }
  });

  it('picks_the_delimiter_from_the_extension_or_the_header', () => {
    expect(read('data.tsv').delimiter).toBe('\t');
    expect(cells(read('data.tsv'), 'label')).toEqual(['a', 'b']);
    // A .csv written with semicolons by a European spreadsheet, decimal commas included.
    const semi = read('semicolon.csv');
    expect(semi.delimiter).toBe(';');
    expect(cells(semi, 'temp')).toEqual([12.5, 21, -3.25]);
    expect(parseText('a\tb\n1\t2\n', 'export.txt').delimiter).toBe('\t');
    expect(parseText('"x,y";b\n1;2\n', 'export.txt').delimiter).toBe(';');
  });

  it('keeps_the_first_ten_rows_as_text_for_the_preview', () => {
    const lines = Array.from({ length: 15 }, (_, i) => `${i},"r ${i}"`);
    const t = parseText(`n,text\n${lines.join('\n')}\n`);
    expect(t.preview.header).toEqual(['n', 'text']);
    expect(t.preview.rows).toHaveLength(10);
    expect(t.preview.rows[9]).toEqual(['9', 'r 9']);
  });

  it('counts_rows_that_repeat_an_earlier_row', () => {
    const t = parseText('a,b\n1,x\n2,y\n1,x\n1,\n1,\n1,x\n');
    expect(t.duplicateRows).toBe(3);
  });

  it('refuses_invalid_utf8_naming_the_row_then_reads_it_as_latin1', () => {
    const e = thrown(() => read('latin1.csv'));
    expect(isNotUtf8(e)).toBe(true);
    expect(e).toMatchObject({ code: 'not-utf8', file: 'latin1.csv', where: 'row 2' });
    expect(e.message).toMatch(/^latin1\.csv: row 2: the file is not valid UTF-8/);
    const t = read('latin1.csv', { encoding: 'latin1' });
    expect(cells(t, 'name')).toEqual(['René', 'Anne']);
    expect(cells(t, 'town')).toEqual(['Orléans', 'Paris']);
    // Plain UTF-8 reads as it is.
    expect(cells(parseText('name,n\nRené,1\n'), 'name')).toEqual(['René']);
  });

  it('rejects_malformed_utf8_sequences', () => {
    for (const bad of [[0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      const bytes = new Uint8Array([...new TextEncoder().encode('a,b\n1,x'), ...bad, 0x0a]);
      expect(isNotUtf8(thrown(() => parseTable(bytes, { fileName: 'bad.csv' })))).toBe(true);
    }
  });

  it('turns_a_mostly_text_column_with_a_few_numbers_into_categories', () => {
    const t = parseText('size,n\nsmall,1\nlarge,2\n3,3\nsmall,4\n');
    expect(t.columns[0].kind).toBe('categorical');
    expect(cells(t, 'size')).toEqual(['small', 'large', '3', 'small']);
  });
});
