import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { KilnDb, type RunRecord } from '../../src/store/idb';
import { openRun, StorageCounter } from '../../src/worker/browse';

const kiln = await KilnDb.open();
let n = 0;

/** A stored run of two epochs: metric logs, a checkpoint, the experiment log. */
async function storedRun(patch: Partial<RunRecord> = {}): Promise<RunRecord> {
  const run: RunRecord = {
    id: `browse-${n++}`,
    name: 'stored',
    createdAt: n,
    updatedAt: n,
    status: 'done',
    dataset: 'mnist',
    model: 'MLP 16',
    config: {},
    epochs: 2,
    epochsDone: 2,
    checkpoints: [2],
    ...patch,
  };
  await kiln.putRun(run);
  const store = kiln.store(run.id);
  await store.write('train/epoch-1/Loss.log', '2,32\n1,32\n');
  await store.write('train/epoch-2/Loss.log', '0.5,32\n0.25,32\n');
  await store.write('valid/epoch-2/Loss.log', '0.75,32\n');
  await store.write('train/epoch-1/Iteration_Speed.log', '100,32\n');
  await store.write('checkpoint/model-2.mpk.gz', new Uint8Array(5000));
  await store.append('experiment.log', 'started\n');
  await store.append('experiment.log', 'ended\n');
  return run;
}

describe('opening a stored run in the worker', () => {
  it('rebuilds_the_series_from_the_metric_logs_and_sizes_every_file', async () => {
    const run = await storedRun();
    const opened = await openRun(kiln, run.id);
    expect(opened.record.name).toBe('stored');
    expect(opened.series.map((s) => s.name)).toEqual(['Loss']); // text metrics are not plotted
    const [loss] = opened.series;
    expect(loss.train.x).toEqual([0.5, 1, 1.5, 2]);
    expect(loss.train.y).toEqual([2, 1, 0.5, 0.25]);
    expect(loss.train.epochY).toEqual([1.5, 0.375]);
    expect(loss.valid.epochX).toEqual([2]);
    expect(opened.log).toEqual(['started', 'ended']);
    expect(opened.files.find((f) => f.path === 'checkpoint/model-2.mpk.gz')?.bytes).toBe(5000);
    expect(opened.files.find((f) => f.path === 'experiment.log')?.bytes).toBe(14);
  });

  it('keeps_only_the_epochs_a_resume_continues_from', async () => {
    const run = await storedRun();
    const [loss] = (await openRun(kiln, run.id, 1)).series;
    expect(loss.train.epochX).toEqual([1]);
    expect(loss.valid.x).toEqual([]);
  });

  it('never_reads_a_checkpoint', async () => {
    const run = await storedRun();
    const read = vi.spyOn(Object.getPrototypeOf(kiln.store(run.id)), 'read');
    try {
      await openRun(kiln, run.id);
      expect(read.mock.calls.map(([path]) => path).filter((p) => String(p).startsWith('checkpoint/'))).toEqual([]);
    } finally {
      read.mockRestore();
    }
  });

  it('stops_when_cancelled', async () => {
    const run = await storedRun();
    await expect(openRun(kiln, run.id, Infinity, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('the storage counter', () => {
  it('counts_a_finished_run_once_until_it_changes_and_a_training_run_every_time', async () => {
    const done = await storedRun();
    const live = await storedRun({ status: 'running' });
    const counter = new StorageCounter(Promise.resolve(kiln));
    const runBytes = vi.spyOn(kiln, 'runBytes');
    try {
      const first = await counter.usage();
      expect(first.runs[done.id]).toBe(await kiln.runBytes(done.id));
      runBytes.mockClear();
      await counter.usage();
      const counted = () => runBytes.mock.calls.map(([id]) => id);
      expect(counted()).not.toContain(done.id);
      expect(counted()).toContain(live.id);
      await kiln.store(done.id).write('extra.log', 'xyz');
      counter.forget(done.id);
      runBytes.mockClear();
      expect((await counter.usage()).runs[done.id]).toBe(first.runs[done.id] + 3);
      expect(counted()).toContain(done.id);
    } finally {
      runBytes.mockRestore();
    }
  });
});
