import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory';
import { DirectoryStore } from '../../src/store/node-dir';
import { readText } from '../../src/store/base';
import { FileMetricLogger, InMemoryMetricLogger, epochMean, formatLine, parseLines, parseMetricLog } from '../../src/train/logger';
import type { MetricEntry } from '../../src/train/metric/base';

const entry = (name: string, value: number, count: number): MetricEntry => ({ name, value, count, running: value, formatted: '' });

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('metric line format', () => {
  it('writes_value_comma_count_newline_in_shortest_round_trip_form', () => {
    expect(formatLine({ value: 0.5, count: 32 })).toBe('0.5,32\n');
    expect(formatLine({ value: 0.1 + 0.2, count: 1 })).toBe('0.30000000000000004,1\n');
    expect(formatLine({ value: 1e-7, count: 3 })).toBe('1e-7,3\n');
    expect(formatLine({ value: NaN, count: 8 })).toBe('NaN,8\n');
  });

  it('parses_what_it_writes_bit_for_bit', () => {
    const values = [
      { value: 0.30000000000000004, count: 1 },
      { value: 2.5e-8, count: 64 },
      { value: 97.65625, count: 7 },
      { value: -1.25, count: 2 },
    ];
    expect(parseLines(values.map(formatLine).join(''), 'f.log')).toEqual(values);
  });

  it('reads_nan_as_a_diverged_value', () => {
    const [v] = parseLines('NaN,4\n', 'Loss.log');
    expect(v.value).toBeNaN();
    expect(v.count).toBe(4);
  });

  it('ignores_blank_lines_and_a_missing_final_newline', () => {
    expect(parseLines('1,2\n\n3,4', 'f.log')).toEqual([
      { value: 1, count: 2 },
      { value: 3, count: 4 },
    ]);
    expect(parseLines('', 'f.log')).toEqual([]);
  });

  it('names_file_and_line_of_a_bad_line', () => {
    expect(() => parseLines('1,2\n0.4x\n', 'train/epoch-1/Loss.log')).toThrow("train/epoch-1/Loss.log:2: not a metric line: '0.4x'");
    expect(() => parseLines('1,2\n3,4\nabc,5\n', 'x.log')).toThrow(/^x\.log:3: /);
    expect(() => parseLines('1,2,3\n', 'x.log')).toThrow(/x\.log:1/);
    expect(() => parseLines('1,2.5\n', 'x.log')).toThrow(/x\.log:1/);
    expect(() => parseLines('nana,2\n', 'x.log')).toThrow(/x\.log:1/);
    expect(() => parseLines('0.5,final,2\n', 'x.log')).toThrow(/x\.log:1/);
  });

  it('reads_burn_0_22_lines_bare_values_final_values_and_rust_infinities', () => {
    const log = parseMetricLog('0.5,4\n0.25\ninf,2\n-inf,1\nNaN,1\n0.4375,final\n', 'valid/epoch-1/Loss.log');
    expect(log.values).toEqual([
      { value: 0.5, count: 4 },
      { value: 0.25, count: 1 },
      { value: Infinity, count: 2 },
      { value: -Infinity, count: 1 },
      { value: Number.NaN, count: 1 },
    ]);
    expect(log.final).toBe(0.4375);
    expect(parseMetricLog('1,2\n', 'x.log').final).toBeUndefined();
  });

  it('rejects_a_line_with_an_empty_value_or_count', () => {
    expect(() => parseLines('0.5,\n', 'x.log')).toThrow(/x\.log:1/);
    expect(() => parseLines(',5\n', 'x.log')).toThrow(/x\.log:1/);
  });
});

describe('epoch mean', () => {
  it('is_the_count_weighted_mean_of_the_lines', () => {
    expect(
      epochMean([
        { value: 1, count: 3 },
        { value: 2, count: 1 },
      ]),
    ).toBeCloseTo(1.25, 12);
    expect(
      epochMean([
        { value: 10, count: 1 },
        { value: 0, count: 9 },
      ]),
    ).toBeCloseTo(1, 12);
  });

  it('keeps_a_constant_series_exact', () => {
    // A plain sum/count gives 0.09999999999999981 and 0.3000000000000005 here.
    expect(epochMean(Array.from({ length: 100 }, () => ({ value: 0.1, count: 32 })))).toBe(0.1);
    expect(epochMean(Array.from({ length: 100 }, () => ({ value: 0.3, count: 32 })))).toBe(0.3);
  });

  it('is_undefined_without_lines_or_weight', () => {
    expect(epochMean([])).toBeUndefined();
    expect(epochMean([{ value: 1, count: 0 }])).toBeUndefined();
  });

  it('is_nan_when_any_line_diverged', () => {
    expect(
      epochMean([
        { value: 1, count: 1 },
        { value: NaN, count: 1 },
      ]),
    ).toBeNaN();
  });
});

describe('file metric logger', () => {
  it('writes_one_file_per_split_epoch_and_metric_with_underscored_names', async () => {
    const store = new MemoryStore();
    const train = new FileMetricLogger(store, 'train');
    const valid = new FileMetricLogger(store, 'valid');
    train.log([entry('Loss', 0.75, 32), entry('Learning Rate', 0.01, 32)], 1);
    train.log([entry('Loss', 0.5, 16), entry('Learning Rate', 0.01, 16)], 1);
    valid.log([entry('Loss', 0.625, 10)], 1);
    train.log([entry('Loss', 0.25, 32)], 2);
    await Promise.all([train.flush(), valid.flush()]);
    expect(await store.list()).toEqual(['train/epoch-1/Learning_Rate.log', 'train/epoch-1/Loss.log', 'train/epoch-2/Loss.log', 'valid/epoch-1/Loss.log']);
    expect(await readText(store, 'train/epoch-1/Loss.log')).toBe('0.75,32\n0.5,16\n');
    expect(await readText(store, 'train/epoch-1/Learning_Rate.log')).toBe('0.01,32\n0.01,16\n');
    expect(await readText(store, 'train/epoch-2/Loss.log')).toBe('0.25,32\n');
    expect(await readText(store, 'valid/epoch-1/Loss.log')).toBe('0.625,10\n');
  });

  it('buffers_lines_between_writes_and_writes_them_all_on_flush', async () => {
    const store = new MemoryStore();
    const logger = new FileMetricLogger(store, 'train', 60_000);
    logger.log([entry('Loss', 1, 4)], 1); // the first line starts a write
    logger.log([entry('Loss', 2, 4)], 1);
    logger.log([entry('Loss', 3, 4)], 1);
    await tick();
    expect(await readText(store, 'train/epoch-1/Loss.log')).toBe('1,4\n');
    await logger.flush();
    expect(await readText(store, 'train/epoch-1/Loss.log')).toBe('1,4\n2,4\n3,4\n');
  });

  it('keeps_iteration_order_when_every_line_starts_a_write', async () => {
    const store = new MemoryStore();
    const logger = new FileMetricLogger(store, 'train', 0);
    for (let i = 0; i < 50; i++) logger.log([entry('Loss', i, 1)], 1);
    await logger.flush();
    const lines = await logger.readNumeric('Loss', 1);
    expect(lines.map((l) => l.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('begin_epoch_removes_what_an_interrupted_run_left_for_that_epoch_only', async () => {
    const store = new MemoryStore();
    await store.write('train/epoch-1/Loss.log', '9,9\n');
    await store.write('train/epoch-1/Accuracy.log', '9,9\n');
    await store.write('train/epoch-10/Loss.log', '1,1\n');
    await store.write('valid/epoch-1/Loss.log', '2,2\n');
    const logger = new FileMetricLogger(store, 'train');
    await logger.beginEpoch(1);
    logger.log([entry('Loss', 0.5, 8)], 1);
    await logger.flush();
    expect(await store.list()).toEqual(['train/epoch-1/Loss.log', 'train/epoch-10/Loss.log', 'valid/epoch-1/Loss.log']);
    expect(await readText(store, 'train/epoch-1/Loss.log')).toBe('0.5,8\n');
    expect(await readText(store, 'train/epoch-10/Loss.log')).toBe('1,1\n');
  });

  it('begin_epoch_does_not_wait_and_keeps_the_last_epochs_lines_logged_after_it', async () => {
    const store = new MemoryStore();
    await store.write('train/epoch-2/Loss.log', '9,9\n'); // left by an interrupted run
    const logger = new FileMetricLogger(store, 'train', 60_000);
    logger.log([entry('Loss', 1, 4)], 1);
    const begun = logger.beginEpoch(2);
    // The last epoch's iterations are still coming in while the next one starts (its steps run ahead).
    logger.log([entry('Loss', 2, 4)], 1);
    logger.log([entry('Loss', 3, 4)], 2);
    await begun;
    await logger.flush();
    expect(await readText(store, 'train/epoch-1/Loss.log')).toBe('1,4\n2,4\n');
    // The stale file went before the new epoch's first line was written.
    expect(await readText(store, 'train/epoch-2/Loss.log')).toBe('3,4\n');
  });

  it('read_numeric_returns_logged_values_including_unflushed_ones', async () => {
    const store = new MemoryStore();
    const logger = new FileMetricLogger(store, 'valid', 60_000);
    logger.log([entry('Accuracy', 87.5, 8)], 3);
    logger.log([entry('Accuracy', 100, 2)], 3);
    const values = await logger.readNumeric('Accuracy', 3);
    expect(values).toEqual([
      { value: 87.5, count: 8 },
      { value: 100, count: 2 },
    ]);
    expect(epochMean(values)).toBe(90);
    expect(await logger.readNumeric('Accuracy', 4)).toEqual([]);
    expect(await logger.readNumeric('Loss', 3)).toEqual([]);
  });

  it('read_numeric_on_a_corrupted_log_names_the_file_and_line', async () => {
    const store = new MemoryStore();
    await store.write('train/epoch-2/Loss.log', '0.5,4\n0.4,4\ngarbage\n');
    const logger = new FileMetricLogger(store, 'train');
    await expect(logger.readNumeric('Loss', 2)).rejects.toThrow("train/epoch-2/Loss.log:3: not a metric line: 'garbage'");
  });

  it('surfaces_a_failed_write_at_flush', async () => {
    const store = new MemoryStore();
    store.append = async () => {
      throw new Error('disk full');
    };
    const logger = new FileMetricLogger(store, 'train');
    logger.log([entry('Loss', 1, 1)], 1);
    await expect(logger.flush()).rejects.toThrow('disk full');
  });

  describe('on a directory', () => {
    const dirs: string[] = [];
    afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it('writes_the_log_file_at_its_relative_path', async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-logger-'));
      dirs.push(root);
      const logger = new FileMetricLogger(new DirectoryStore(root), 'train');
      logger.log([entry('Iteration Speed', 1234.5, 64)], 1);
      await logger.flush();
      expect(fs.readFileSync(path.join(root, 'train', 'epoch-1', 'Iteration_Speed.log'), 'utf8')).toBe('1234.5,64\n');
    });
  });
});

describe('in-memory metric logger', () => {
  it('keeps_values_per_epoch_and_metric_in_order', async () => {
    const logger = new InMemoryMetricLogger();
    await logger.beginEpoch(1);
    logger.log([entry('Loss', 1, 2), entry('Accuracy', 50, 2)], 1);
    logger.log([entry('Loss', 0.5, 2)], 1);
    logger.log([entry('Loss', 0.25, 1)], 2);
    expect(await logger.readNumeric('Loss', 1)).toEqual([
      { value: 1, count: 2 },
      { value: 0.5, count: 2 },
    ]);
    expect(await logger.readNumeric('Accuracy', 1)).toEqual([{ value: 50, count: 2 }]);
    expect(await logger.readNumeric('Loss', 2)).toEqual([{ value: 0.25, count: 1 }]);
    expect(await logger.readNumeric('Loss', 3)).toEqual([]);
  });

  it('begin_epoch_forgets_that_epoch', async () => {
    const logger = new InMemoryMetricLogger();
    logger.log([entry('Loss', 1, 2)], 1);
    logger.log([entry('Loss', 2, 2)], 2);
    await logger.beginEpoch(1);
    expect(await logger.readNumeric('Loss', 1)).toEqual([]);
    expect(await logger.readNumeric('Loss', 2)).toEqual([{ value: 2, count: 2 }]);
  });
});
