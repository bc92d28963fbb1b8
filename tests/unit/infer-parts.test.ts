import { describe, expect, it } from 'vitest';
import { parseTable, prepareTable } from '../../src/data/table/index';
import { float32Text, predictionsCsv } from '../../src/infer/csv';
import { classificationReport } from '../../src/infer/evaluate';
import { columnDefaults, featureCells } from '../../src/infer/table-rows';
import { countConfusion, parseConfusionFile } from '../../src/train/metric/confusion-matrix';

const table = (text: string) => parseTable(new TextEncoder().encode(text), { fileName: 't.csv' });

describe('form defaults and rows from prepared features', () => {
  const csv = ['x,c,y', '1,a,p', '2,b,q', '3,b,p', '10,b,q', '4,,p', '6,a,q', '7,b,p', '8,a,q', '9,b,p', '5,b,q'].join('\n');
  const prepared = prepareTable(table(csv), { label: 'y', task: 'classification', missing: 'fill', validFraction: 0.2, seed: 0 });
  const trainRows = (prepared.train.x.length / prepared.preprocessing.numFeatures) | 0;

  it('defaults_are_the_training_medians_and_most_frequent_categories', () => {
    const cells = Array.from({ length: trainRows }, (_, r) => featureCells(prepared.preprocessing, prepared.train.x, r));
    const xs = cells.map((c) => Number(c[0])).sort((a, b) => a - b);
    const median = xs.length % 2 ? xs[xs.length >> 1] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
    const [x, c] = columnDefaults(prepared.preprocessing, prepared.train);
    expect(x).toBeCloseTo(median, 5);
    const counts = new Map<string, number>();
    for (const row of cells) counts.set(row[1], (counts.get(row[1]) ?? 0) + 1);
    expect(c).toBe([...counts].sort((p, q) => q[1] - p[1])[0][0]);
  });

  it('rows_come_back_in_the_columns_units_with_missing_values_filled', () => {
    const values = Array.from({ length: trainRows }, (_, r) => featureCells(prepared.preprocessing, prepared.train.x, r)[0]);
    for (const v of values) expect(['1', '2', '3', '10', '4', '6', '7', '8', '9', '5']).toContain(v);
    const categories = Array.from({ length: trainRows }, (_, r) => featureCells(prepared.preprocessing, prepared.train.x, r)[1]);
    expect(categories.every((k) => k === 'a' || k === 'b')).toBe(true); // the missing one took the fill
  });
});

describe('confusion matrices and reports', () => {
  it('counts_true_rows_against_predicted_columns_and_scores_each_class', () => {
    const matrix = countConfusion([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], 3);
    expect(matrix).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    const r = classificationReport(matrix, ['a', 'b', 'c']);
    expect(r.accuracy).toBeCloseTo(3 / 5, 12);
    expect(r.classes[1]).toEqual({ name: 'b', precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
    expect(r.classes[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('refuses_another_version_or_a_matrix_that_is_not_square', () => {
    const file = { format: 'kiln.confusion', version: 1, split: 'valid', epoch: 2, matrix: [[1, 0]] };
    expect(() => parseConfusionFile(JSON.stringify({ ...file, version: 2 }), 'valid/epoch-2/ConfusionMatrix.json')).toThrow(
      'valid/epoch-2/ConfusionMatrix.json: confusion matrix version 2; this version of Kiln reads version 1',
    );
    expect(() => parseConfusionFile(JSON.stringify(file), 'm.json')).toThrow(/m\.json: .*not square/);
  });
});

describe('predictions csv', () => {
  it('quotes_class_names_and_writes_float32_values_that_read_back_exactly', () => {
    const probabilities = Float32Array.from([0.25, 0.75, 0.9, 0.1]);
    const text = predictionsCsv({ task: 'classification', rows: 2, classNames: ['x', 'y, "z"'], probabilities, predicted: Int32Array.from([1, 0]) }, [
      '1',
      '2',
    ]);
    expect(text).toBe('row,prediction,p_x,"p_y, ""z"""\n1,"y, ""z""",0.25,0.75\n2,x,0.9,0.1\n');
    for (const v of probabilities) expect(Math.fround(Number(float32Text(v)))).toBe(v);
  });
});
