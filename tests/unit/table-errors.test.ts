import { describe, expect, it } from 'vitest';
import { read, parseText, thrown } from '../fixtures/table/tables';
import { DATA_LIMITS } from '../../src/data/errors';
import { TableParser, describeTable, prepareTable, type TableChoices } from '../../src/data/table';

const choices = (label: string): TableChoices => ({ label, task: 'classification', missing: 'fill', validFraction: 0.2, seed: 1 });

describe('table errors', () => {
  it('refuses_an_empty_file', () => {
    for (const text of ['', '\n\n', '\ufeff']) {
      expect(thrown(() => parseText(text, 'empty.csv')).message).toBe('empty.csv: the file is empty');
    }
  });

  it('refuses_a_header_without_data_rows', () => {
    for (const text of ['a,b,c', 'a,b,c\n', 'a,b,c\r\n\r\n']) {
      expect(thrown(() => parseText(text, 'head.csv')).message).toBe('head.csv: the file has a header row but no data rows');
    }
  });

  it('names_the_row_with_the_wrong_number_of_fields', () => {
    const e = thrown(() => read('ragged.csv'));
    expect(e).toMatchObject({ file: 'ragged.csv', where: 'row 4', problem: 'expected 3 fields, found 2' });
    expect(e.message).toBe('ragged.csv: row 4: expected 3 fields, found 2');
    const extra = thrown(() => parseText('a,b\n1,2\n\n3,4,5\n'));
    expect(extra.message).toBe('test.csv: row 4: expected 2 fields, found 3');
  });

  it('names_the_column_and_first_row_with_text_among_numbers', () => {
    const e = thrown(() => read('mixed.csv'));
    expect(e.file).toBe('mixed.csv');
    expect(e.where).toBe('row 4');
    expect(e.problem).toContain('column "income"');
    expect(e.problem).toContain('"unknown"');
  });

  it('reads_missing_markers_among_numbers_as_missing_not_text', () => {
    const t = parseText('n,label\n1,a\nN/A,b\n?,a\nnull,b\n5,a\n');
    expect(t.columns[0]).toMatchObject({ kind: 'numeric', missing: 3 });
  });

  it('names_an_unclosed_quote', () => {
    const e = thrown(() => parseText('a,b\n1,2\n3,"open\n4,5\n'));
    expect(e.where).toBe('row 3');
    expect(e.problem).toMatch(/never closed/);
  });

  it('names_duplicate_and_empty_header_names', () => {
    expect(thrown(() => parseText('a,b,a,c,b\n1,2,3,4,5\n')).message).toBe(
      'test.csv: row 1: duplicate column names: "a" (columns 1 and 3), "b" (columns 2 and 5)',
    );
    expect(thrown(() => parseText('a,,c,\n1,2,3,4\n')).message).toBe('test.csv: row 1: columns 2 and 4 have no name in the header');
  });

  it('refuses_a_file_over_the_size_limit_before_reading_it', () => {
    const e = thrown(() => new TableParser({ fileName: 'big.csv', fileBytes: DATA_LIMITS.fileBytes + 1 }));
    expect(e.message).toBe('big.csv: the file is larger than the limit of 1024 MiB');
  });

  it('refuses_a_table_with_more_columns_than_the_limit', () => {
    const header = Array.from({ length: DATA_LIMITS.columns + 1 }, (_, i) => `c${i}`).join(',');
    const e = thrown(() => parseText(`${header}\n`, 'wide.csv'));
    expect(e.message).toBe('wide.csv: row 1: the table has more than 10,000 columns, the limit');
  });

  it('refuses_a_label_column_with_one_class', () => {
    const table = read('one-class.csv');
    const e = thrown(() => prepareTable(table, choices('label')));
    expect(e.message).toBe('one-class.csv: the label column "label" has only one class ("same"): there is nothing to tell apart');
    // On the card (suggested or chosen), the same problem is the card's error, and the card still shows the table.
    for (const card of [describeTable(table), describeTable(table, choices('label'))]) {
      expect(card.error).toBe(e.message);
      expect(card.preview).toMatchObject({ kind: 'rows', header: ['a', 'b', 'label'] });
      expect(card.columns?.map((c) => c.name)).toEqual(['a', 'b', 'label']);
    }
  });

  it('refuses_a_text_label_for_regression_and_an_unknown_label', () => {
    const table = read('one-class.csv');
    const text = thrown(() => prepareTable(table, { ...choices('label'), task: 'regression' }));
    expect(text).toMatchObject({ where: 'row 2' });
    expect(text.problem).toMatch(/choose classification/);
    expect(thrown(() => prepareTable(table, choices('nope'))).message).toBe('one-class.csv: there is no column named "nope"');
  });

  it('leaves_out_an_identifier_column_with_a_warning', () => {
    const rows = Array.from({ length: 150 }, (_, i) => `user${i},${i % 7},${i % 2 ? 'yes' : 'no'}`);
    const table = parseText(`user,visits,label\n${rows.join('\n')}\n`);
    const { card, preprocessing } = prepareTable(table, choices('label'));
    expect(preprocessing.features.map((f) => f.name)).toEqual(['visits']);
    expect(card.inputShape).toEqual([1]);
    expect(card.warnings).toContain('column "user" left out: 150 distinct values in 150 rows, an identifier or free text rather than categories');
    // The card still describes the column.
    expect(card.columns?.[0]).toMatchObject({ name: 'user', type: 'categorical', distinct: 150 });
  });
});
