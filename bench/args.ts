import { parseArgs } from 'node:util';
import { BACKENDS } from './backends';
import { CASES, type BenchCase } from './cases';

/** The bench's flags, validated. */
export interface BenchArgs {
  readonly quick: boolean;
  readonly json: string | null;
  readonly backends: readonly string[];
  readonly cases: readonly BenchCase['id'][];
  /** Dataset readers to time: the CSV reader in Node (speed, and peak memory in a child), image decoding in Chromium; hostile archives' import memory. */
  readonly data: readonly DataCase[];
}

/** The dataset-reading benchmarks, and the hostile archives' import (about 3 minutes: only when named). */
export const DATA_CASES = ['csv', 'csv-memory', 'images', 'hostile'] as const;
/** One of them. */
export type DataCase = (typeof DATA_CASES)[number];

/** Splits a comma list and checks every name against the known ones. */
function list<T extends string>(flag: string, value: string | undefined, known: readonly T[], byDefault: readonly T[] = known): T[] {
  if (value === undefined) return [...byDefault];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !known.includes(n as T));
  if (bad !== undefined || !names.length) throw new Error(`--${flag}: expected a comma list of ${known.join(', ')} (got '${value}')`);
  return names as T[];
}

/** Parses `npm run bench -- [--quick] [--json FILE] [--backends a,b|none] [--cases a,b] [--data csv,csv-memory,images,hostile|none]`; errors are one line. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  let values: { quick?: boolean; json?: string; backends?: string; cases?: string; data?: string };
  try {
    values = parseArgs({
      args: argv,
      options: { quick: { type: 'boolean' }, json: { type: 'string' }, backends: { type: 'string' }, cases: { type: 'string' }, data: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new Error((e as Error).message.split('\n')[0]);
  }
  if (values.json === '') throw new Error('--json: expected a file path');
  return {
    quick: values.quick ?? false,
    json: values.json ?? null,
    // 'none': only the dataset readers (`--backends none --data hostile`).
    backends:
      values.backends === 'none'
        ? []
        : list(
            'backends',
            values.backends,
            BACKENDS.map((b) => b.name),
          ),
    // The GPU batch sizes only when named: elsewhere they would only print skipped rows.
    cases: list(
      'cases',
      values.cases,
      CASES.map((c) => c.id),
      CASES.filter((c) => !c.gpuOnly).map((c) => c.id),
    ),
    data:
      values.data === 'none'
        ? []
        : list(
            'data',
            values.data,
            DATA_CASES,
            DATA_CASES.filter((d) => d !== 'hostile'),
          ),
  };
}
