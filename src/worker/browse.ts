import { strFromU8 } from 'fflate';
import { runLock, TEXT_METRICS, type MetricSeries, type StorageUsage, type StoredRun } from '../protocol/index';
import { RunConfigSchema } from '../protocol/run-config';
import { readText } from '../store/base';
import type { KilnDb } from '../store/idb';
import { epochMean } from '../train/logger/base';
import { parseMetricLog } from '../train/logger/format';

const METRIC_LOG = /^(train|valid)\/epoch-(\d+)\/(.+)\.log$/;

/**
 * Marks runs that say "running" but whose worker is gone (their tab was killed) as interrupted:
 * a live run holds its Web Lock, so getting the lock at once means nobody trains it.
 */
export async function markInterrupted(kiln: KilnDb): Promise<void> {
  for (const run of (await kiln.runs()).filter((r) => r.status === 'running')) {
    const dead = await navigator.locks.request(runLock(run.id), { ifAvailable: true }, (lock) => lock !== null);
    if (!dead) continue;
    await kiln.updateRun(run.id, {
      status: 'interrupted',
      message: `the tab closed during epoch ${run.epochsDone + 1}; completed epochs and checkpoints are kept`,
    });
  }
}

/**
 * Reads a stored run back (as Burn's summary reads its log files): every metric log becomes the
 * per-iteration series of that epoch (x = epoch − 1 + i / n) and its `final` value, else its mean,
 * the epoch point.
 * `untilEpoch` keeps the epochs a resume continues from. Sizes come from the chunk index:
 * checkpoints are never read.
 */
export async function openRun(kiln: KilnDb, runId: string, untilEpoch = Infinity, signal?: AbortSignal): Promise<StoredRun> {
  const record = await kiln.run(runId);
  if (!record) throw new Error(`run ${runId} is not stored`);
  const store = kiln.store(runId);
  const files = await kiln.fileSizes(runId);
  const series = new Map<string, MetricSeries>();
  const logs = files
    .map(({ path }) => ({ path, m: METRIC_LOG.exec(path) }))
    .filter((f) => f.m && Number(f.m[2]) <= untilEpoch)
    .sort((a, b) => Number(a.m![2]) - Number(b.m![2]));
  for (const { path, m } of logs) {
    signal?.throwIfAborted();
    const [, split, epochText, file] = m!;
    const name = file.replace(/_/g, ' ');
    if (TEXT_METRICS.includes(name)) continue;
    const { values, final } = parseMetricLog((await readText(store, path)) ?? '', path);
    if (!values.length && final === undefined) continue;
    let s = series.get(name);
    if (!s) series.set(name, (s = { name, train: { x: [], y: [], epochX: [], epochY: [] }, valid: { x: [], y: [], epochX: [], epochY: [] } }));
    const side = s[split as 'train' | 'valid'];
    const epoch = Number(epochText);
    values.forEach((v, i) => {
      side.x.push(epoch - 1 + (i + 1) / values.length);
      side.y.push(v.value);
    });
    side.epochX.push(epoch);
    // Burn 0.22 states the epoch's value on a `final` line; otherwise it is the count-weighted mean.
    side.epochY.push(final ?? epochMean(values)!);
  }
  const configBytes = await store.read('config.json');
  const parsed = configBytes ? RunConfigSchema.safeParse(JSON.parse(strFromU8(configBytes))) : null;
  const log = ((await readText(store, 'experiment.log')) ?? '').split('\n').filter(Boolean);
  return { record, config: parsed?.success ? parsed.data : null, series: [...series.values()], log, files };
}

/**
 * Bytes per stored run, for the storage panel. A finished run's size is kept until the run
 * changes (`forget`); only a run still training is summed again on each ask.
 */
export class StorageCounter {
  private readonly bytes = new Map<string, number>();

  constructor(private readonly kiln: Promise<KilnDb>) {}

  /** Drops what is known of run `runId` (it was written, renamed, deleted). */
  forget(runId: string): void {
    this.bytes.delete(runId);
  }

  /** Bytes per run, and the origin's usage and quota where the browser tells them. */
  async usage(): Promise<StorageUsage> {
    const kiln = await this.kiln;
    const runs: Record<string, number> = {};
    for (const run of await kiln.runs()) {
      let n = run.status === 'running' ? undefined : this.bytes.get(run.id);
      if (n === undefined) n = await kiln.runBytes(run.id);
      if (run.status !== 'running') this.bytes.set(run.id, n);
      runs[run.id] = n;
    }
    const estimate = await globalThis.navigator?.storage?.estimate().catch(() => undefined);
    return { runs, usage: estimate?.usage, quota: estimate?.quota };
  }
}
