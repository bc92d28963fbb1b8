import { strFromU8 } from 'fflate';
import { runLock, TEXT_METRICS } from '../protocol/index';
import { RunConfigSchema, type RunConfig } from '../protocol/run-config';
import { readText } from '../store/base';
import type { KilnDb, RunRecord } from '../store/idb';
import { epochMean } from '../train/logger/base';
import { parseLines } from '../train/logger/format';
import type { MetricSeries } from './run-store';

/** A stored run as the charts need it: series rebuilt from its metric logs, and its log. */
export interface StoredRun {
  readonly record: RunRecord;
  readonly config: RunConfig | null;
  readonly series: MetricSeries[];
  readonly log: string[];
  readonly files: { path: string; bytes: number }[];
}

/**
 * Marks runs that say "running" but whose worker is gone (the tab was killed) as interrupted: a
 * live run holds its Web Lock, so getting the lock at once means nobody trains it.
 */
export async function markInterrupted(kiln: KilnDb, runs: readonly RunRecord[]): Promise<boolean> {
  let changed = false;
  for (const run of runs.filter((r) => r.status === 'running')) {
    const dead = await navigator.locks.request(runLock(run.id), { ifAvailable: true }, (lock) => lock !== null);
    if (!dead) continue;
    const next = run.epochsDone + 1;
    await kiln.updateRun(run.id, { status: 'interrupted', message: `the tab closed during epoch ${next}; completed epochs and checkpoints are kept` });
    changed = true;
  }
  return changed;
}

/**
 * Reads a stored run back (as Burn's summary reads its log files): every metric log becomes the
 * per-iteration series of that epoch (x = epoch − 1 + i / n) and its mean the epoch point.
 * `untilEpoch` keeps the epochs a resume continues from.
 */
export async function loadRun(kiln: KilnDb, record: RunRecord, untilEpoch = Infinity): Promise<StoredRun> {
  const store = kiln.store(record.id);
  const paths = await store.list();
  const series = new Map<string, MetricSeries>();
  const logs = paths
    .map((path) => ({ path, m: /^(train|valid)\/epoch-(\d+)\/(.+)\.log$/.exec(path) }))
    .filter((f) => f.m && Number(f.m[2]) <= untilEpoch)
    .sort((a, b) => Number(a.m![2]) - Number(b.m![2]));
  for (const { path, m } of logs) {
    const [, split, epochText, file] = m!;
    const name = file.replace(/_/g, ' ');
    if (TEXT_METRICS.includes(name)) continue;
    const values = parseLines((await readText(store, path)) ?? '', path);
    if (!values.length) continue;
    let s = series.get(name);
    if (!s) series.set(name, (s = { name, train: { x: [], y: [], epochX: [], epochY: [] }, valid: { x: [], y: [], epochX: [], epochY: [] } }));
    const side = s[split as 'train' | 'valid'];
    const epoch = Number(epochText);
    values.forEach((v, i) => {
      side.x.push(epoch - 1 + (i + 1) / values.length);
      side.y.push(v.value);
    });
    side.epochX.push(epoch);
    side.epochY.push(epochMean(values)!);
  }
  const configBytes = await store.read('config.json');
  const parsed = configBytes ? RunConfigSchema.safeParse(JSON.parse(strFromU8(configBytes))) : null;
  const log = ((await readText(store, 'experiment.log')) ?? '').split('\n').filter(Boolean);
  const files = await Promise.all(paths.map(async (path) => ({ path, bytes: (await store.read(path))?.byteLength ?? 0 })));
  return { record, config: parsed?.success ? parsed.data : null, series: [...series.values()], log, files };
}
