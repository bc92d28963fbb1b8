import { describe, expect, it } from 'vitest';
import { median, roundOrder, summarize, type Round } from '../../bench/aggregate';
import { parseBenchArgs } from '../../bench/args';
import { planFor } from '../../bench/cases';
import { formatData } from '../../bench/data-readers';
import { formatTable, skippedCase, type BenchReport } from '../../bench/report';

const runner = (samplesPerSec: number, tensors = 0) => ({ samplesPerSec, firstStepMs: 10, tensorGrowthPerEpoch: tensors, finalLoss: 0.5 });
const round = (a: number, b: number, c: number, tensors = 0): Round => ({
  learner: {
    ...runner(a, tensors),
    checkpoint: { saveMs: 20, bytes: 2048, pctOfEpoch: 2 },
    engine: 'tfjs (chosen)',
    steadyMsPerStep: 1,
    inEpochMsPerStep: 1,
    startup: null,
  },
  handLoop: runner(b),
  modelFit: runner(c),
});

describe('bench helpers', () => {
  it('parses_flags_and_rejects_unknown_backends_or_cases_in_one_line', () => {
    expect(parseBenchArgs([])).toMatchObject({ quick: false, json: null, cases: ['mlp', 'mlp-wide', 'cnn'], data: ['csv', 'csv-memory', 'images'] });
    expect(parseBenchArgs(['--quick', '--json', 'out.json', '--backends', 'cpu,chromium-webgl', '--cases', 'cnn', '--data', 'none'])).toEqual({
      quick: true,
      json: 'out.json',
      backends: ['cpu', 'chromium-webgl'],
      cases: ['cnn'],
      data: [],
    });
    expect(parseBenchArgs(['--data', 'csv']).data).toEqual(['csv']);
    // The hostile archives take minutes: they run when named.
    expect(parseBenchArgs(['--data', 'hostile,csv-memory']).data).toEqual(['hostile', 'csv-memory']);
    expect(parseBenchArgs(['--backends', 'none', '--data', 'hostile'])).toMatchObject({ backends: [], data: ['hostile'] });
    expect(() => parseBenchArgs(['--data', 'parquet'])).toThrow(/^--data: expected a comma list of csv, csv-memory, images, hostile/);
    expect(() => parseBenchArgs(['--backends', 'cpu,cuda'])).toThrow(
      /^--backends: expected a comma list of cpu, wasm, webgpu, chromium-webgpu, chromium-webgl \(got 'cpu,cuda'\)$/,
    );
    expect(() => parseBenchArgs(['--bogus'])).toThrow(/^Unknown option '--bogus'/);
  });

  it('holds_memory_results_to_their_ceiling_and_speeds_to_their_floor', () => {
    const text = formatData([
      { case: 'hostile', what: 'hostile archive refused: zip-bomb', value: 12.4, unit: 'MiB over the start', target: 64, detail: 'd' },
      { case: 'hostile', what: 'hostile archive refused: lying-zip', value: 80, unit: 'MiB over the start', target: 64, detail: 'd' },
      { case: 'csv-memory', what: 'CSV peak memory', value: 2.5, unit: '× the file', target: 3, detail: 'd' },
      { case: 'csv', what: 'CSV', value: 40, unit: 'MB/s', target: 50, detail: 'd' },
    ]).split('\n');
    expect(text).toEqual([
      'hostile archive refused: zip-bomb: 12 MiB over the start (target ≤ 64: met); d',
      'hostile archive refused: lying-zip: 80 MiB over the start (target ≤ 64: missed); d',
      'CSV peak memory: 2.50 × the file (target ≤ 3: met); d',
      'CSV: 40 MB/s (target ≥ 50: missed); d',
    ]);
  });

  it('quick_skips_the_slow_cpu_cases_with_a_reason', () => {
    expect(planFor('cpu', 'cnn', true)).toEqual({ skip: expect.stringContaining('not in --quick') });
    expect(planFor('wasm', 'cnn-1024', false)).toEqual({ skip: expect.stringContaining('real GPUs only') });
    expect(planFor('webgpu', 'mlp-wide-4096', false)).toMatchObject({ epochs: 2 });
    expect(parseBenchArgs(['--cases', 'mlp,cnn-1024']).cases).toEqual(['mlp', 'cnn-1024']);
    expect(planFor('cpu', 'cnn', false)).toMatchObject({ epochs: 2 });
    expect(planFor('chromium-webgl', 'mlp-wide', false)).toEqual({ skip: expect.stringContaining('SwiftShader') });
  });

  it('summarizes_rounds_as_medians_and_paired_ratios', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    const s = summarize([round(100, 100, 50), round(90, 100, 60, 3), round(200, 150, 100)]);
    expect(s.samplesPerSec).toEqual({ learner: 100, handLoop: 100, modelFit: 60 });
    expect(s.learnerVsHandLoop).toBe(1); // medians of 1, 0.9, 1.333…
    expect(s.learnerVsModelFit).toBe(2); // medians of 2, 1.5, 2
    expect(s.tensorGrowthPerEpoch.learner).toBe(3); // the worst round, not the median
    expect(s.checkpoint).toEqual({ saveMs: 20, bytes: 2048, pctOfEpoch: 2 });
    expect(s.compiled).toBeNull(); // no (d) runner off webgpu
    const compiled = (n: number, engine = 'compiled (8 steps per submit)') => ({
      ...runner(n),
      checkpoint: { saveMs: 1, bytes: 1, pctOfEpoch: 1 },
      engine,
      steadyMsPerStep: 64 / n,
      inEpochMsPerStep: 60 / n,
      startup: null,
    });
    const d = summarize([
      { ...round(100, 100, 50), compiled: compiled(1000) },
      { ...round(100, 100, 50), compiled: compiled(3000) },
      { ...round(200, 150, 100), compiled: compiled(2000) },
    ]);
    expect(d.compiled).toMatchObject({ samplesPerSec: 2000, vsLearner: 10 });
    // A model the compiled step cannot run: (d) ran the tfjs step, so it has no compiled number.
    expect(summarize([{ ...round(100, 100, 50), compiled: compiled(100, 'tfjs (not compiled: layer conv1)') }]).compiled).toBeNull();
  });

  it('writes_the_issue_json_shape_and_names_what_did_not_run', () => {
    const skipped = skippedCase('cpu', 'CNN', 256, 'not in --quick');
    expect(skipped).toMatchObject({ backend: 'cpu', model: 'CNN', batch: 256, learner: null, handLoop: null, modelFit: null });
    const report: BenchReport = {
      date: '2026-01-01T00:00:00.000Z',
      command: 'npm run bench',
      machine: '2 cores',
      fairness: [],
      cases: [
        {
          ...skippedCase('wasm', 'MLP', 64, ''),
          skipped: undefined,
          learner: 1500,
          handLoop: 1000,
          modelFit: 800,
          learnerVsHandLoop: 1.5,
          learnerVsModelFit: 1.875,
        },
        skipped,
      ],
      notRun: [{ backend: 'webgpu (Node)', reason: 'no adapter' }],
    };
    const lines = formatTable(report).split('\n');
    expect(lines[1]).toMatch(/^backend\s+model\s+batch\s+\(a\) learner/);
    // (d) compiled runs on webgpu only: a dash here.
    expect(lines[2]).toMatch(/^wasm\s+MLP\s+64\s+1500\s+1000\s+800\s+–\s+1\.500\s+1\.875/);
    expect(lines).toContain('cpu CNN (batch 256): skipped: not in --quick');
    expect(lines).toContain('webgpu (Node): not run: no adapter');
    expect(JSON.parse(JSON.stringify(report)).cases[0]).toMatchObject({
      backend: 'wasm',
      model: 'MLP',
      batch: 64,
      learner: 1500,
      handLoop: 1000,
      modelFit: 800,
    });
  });
});
