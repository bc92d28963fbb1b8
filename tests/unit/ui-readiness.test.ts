import { describe, expect, it } from 'vitest';
import type { DatasetCard } from '../../src/data/card';
import { describeTable } from '../../src/data/table';
import { formForLabel, formFromConfig, parseForm, type FormValues } from '../../src/ui/config/form';
import { applyFix, readiness, type ReadinessInput } from '../../src/ui/dataset/readiness';
import { parseText } from '../fixtures/table/tables';

/** 200 rows: an id, a price of its own per row, a size of few values, and a kind. */
const shop = parseText(
  `id,price,size,kind\n${Array.from({ length: 200 }, (_, i) => `${i + 1},${100 + i * 3},${i % 4},${['a', 'b'][i % 2]}`).join('\n')}\n`,
  'shop.csv',
);
const tableForm = (over: Partial<FormValues> = {}): FormValues => ({
  ...formFromConfig(),
  dataset: 'table',
  source: 'shop.csv',
  sourceKind: 'table',
  label: 'kind',
  task: 'classification',
  missing: 'fill',
  ...over,
});
const cardOf = (v: FormValues) =>
  describeTable(shop, {
    label: v.label,
    task: v.task as 'classification',
    missing: 'fill',
    validFraction: 0.2,
    seed: 0,
    exclude: JSON.parse(v.exclude),
  });

function input(values: FormValues, data: Partial<ReadinessInput['data']> = {}): ReadinessInput {
  return {
    workerReady: true,
    formValid: parseForm(values).config !== null,
    values,
    data: { card: cardOf(values), fresh: true, progress: null, problem: null, ...data },
  };
}

describe('when Start is enabled, and why not', () => {
  it('says_why_start_waits_while_the_dataset_reads_fails_or_is_of_earlier_choices', () => {
    const v = tableForm();
    expect(readiness(input(v, { progress: { phase: 'Reading shop.csv', done: 0, total: 0 } })).reason).toBe('Reading shop.csv…');
    const stale = 'shop.csv: is not open in this tab: drop it again (a dropped file is read only while the tab is open)';
    expect(readiness(input(v, { problem: { message: stale } })).reason).toBe(stale);
    expect(readiness(input(v, { card: null, fresh: false })).reason).toBe('Waiting for the dataset card…');
    expect(readiness(input(v, { fresh: false })).reason).toBe('Updating the dataset card…');
    expect(readiness({ ...input(v), workerReady: false }).reason).toBe('Starting the training worker…');
    expect(readiness(input(tableForm({ batchSize: 'x' }))).reason).toBe('Fix the marked fields to start.');
    expect(readiness(input(v)).reason).toBeNull();
  });

  it('blocks_a_card_that_cannot_train_and_shows_the_fix_beside_start', () => {
    // price as classes: 200 classes of one row each, an empty validation split.
    const v = tableForm({ label: 'price' });
    const r = readiness(input(v));
    expect(r.reason).toMatch(/^the validation split is empty: each of the 200 classes has a single row/);
    expect(r.checks.map((c) => c.fix)).toContainEqual({ kind: 'task', task: 'regression' });
    const fixed = { ...v, ...applyFix({ kind: 'task', task: 'regression' }, v) };
    expect(fixed.task).toBe('regression');
    expect(readiness(input(fixed)).reason).toBeNull();
  });

  it('offers_identifier_columns_on_the_card_and_leaves_them_out_in_one_click', () => {
    const v = tableForm();
    const { columnChecks, checks, reason } = readiness(input(v));
    expect(reason).toBeNull();
    expect(columnChecks.map((c) => c.fix)).toEqual([
      { kind: 'exclude', column: 'id' },
      { kind: 'exclude', column: 'price' },
    ]);
    expect(checks.every((c) => c.fix?.kind !== 'exclude')).toBe(true);
    const out = { ...v, ...applyFix(columnChecks[0].fix!, v) };
    expect(readiness(input(out)).columnChecks.map((c) => c.fix)).toEqual([{ kind: 'exclude', column: 'price' }]);
    expect(parseForm(out).config?.dataset).toMatchObject({ type: 'table', exclude: ['id'] });
  });

  it('warns_of_few_steps_an_epoch_and_applies_the_smaller_batch', () => {
    const v = tableForm({ batchSize: '64' });
    const [steps] = readiness(input(v)).checks;
    expect(steps).toMatchObject({ level: 'warning', fix: { kind: 'batch-size', batchSize: 16 } });
    expect(applyFix(steps.fix!, v)).toEqual({ batchSize: '16' });
  });
});

describe('picking a label', () => {
  it('brings_the_task_that_fits_the_column_and_puts_an_excluded_label_back', () => {
    const card: DatasetCard = cardOf(tableForm());
    const v = tableForm({ exclude: JSON.stringify(['id', 'price']) });
    expect(formForLabel(v, 'price', card)).toEqual({ label: 'price', task: 'regression', exclude: '["id"]' });
    expect(formForLabel({ ...v, task: 'regression' }, 'size', card)).toMatchObject({ task: 'classification' }); // four values: codes of kinds
    expect(formForLabel({ ...v, task: 'regression' }, 'kind', card)).toMatchObject({ task: 'classification' });
  });
});
