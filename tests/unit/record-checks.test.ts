import { decode, encode } from '@msgpack/msgpack';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory';
import { LearnerCheckpointer, decodeRecord, encodeRecord, genericLayout, type CheckpointRecords } from '../../src/train/checkpoint';
import { gunzipBounded } from '../../src/util/gzip';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import type { TensorRecord } from '../../src/train/tensor-record';

const placement = { layout: genericLayout([]), weights: [] };
const keepAll = { keep: (epoch: number) => Array.from({ length: epoch }, (_, i) => i + 1) };

function records(epoch: number, kernel = new Float32Array(6).fill(0.5)): CheckpointRecords {
  const w = (name: string, shape: number[], data?: Float32Array): TensorRecord => ({
    name,
    shape,
    dtype: 'float32',
    data: data ?? new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.25),
  });
  return {
    model: [w('dense1/kernel', [3, 2], kernel), w('dense1/bias', [2])],
    optim: {
      type: 'adam',
      config: parseOptimizerConfig({ type: 'adam' }),
      step: 10,
      slots: { m: [w('dense1/kernel', [3, 2]), w('dense1/bias', [2])], v: [w('dense1/kernel', [3, 2]), w('dense1/bias', [2])] },
    },
    scheduler: { config: parseSchedulerConfig({ type: 'constant', lr: 0.1 }), step: 10 },
    progress: { epoch, globalStep: 10, dataOrder: { seed: 3, shuffle: true }, rng: { s: 12345 } },
  };
}

/** Rewrites one record of a saved checkpoint through `edit`, given Kiln's state of the record (its stamp kept, so the three still match). */
async function rewrite(store: MemoryStore, path: string, edit: (record: { [k: string]: unknown }) => void): Promise<void> {
  const raw = decode(gunzipBounded((await store.read(path))!, 2 ** 20)) as { kiln: { [k: string]: unknown } };
  edit(raw.kiln);
  await store.write(path, gzipSync(encode(raw)));
}

describe('record limits', () => {
  it('refuses_a_record_whose_gzip_declares_more_than_the_limit_before_inflating', () => {
    const bomb = gzipSync(
      encode({
        format: 'kiln.record',
        version: 1,
        kind: 'model',
        checkpoint: { id: 'a', epoch: 1, globalStep: 0 },
        payload: { weights: [], pad: new Uint8Array(4_000_000) },
      }),
    );
    expect(bomb.length).toBeLessThan(10_000);
    expect(() => decodeRecord(bomb, 'checkpoint/model-1.mpk.gz', 'model', 100_000)).toThrow(
      /^checkpoint\/model-1\.mpk\.gz: .*declares 4000\d{3} bytes unpacked, over the 100000-byte limit/,
    );
  });

  it('refuses_a_record_whose_gzip_unpacks_past_the_size_its_trailer_declares', () => {
    const bomb = gzipSync(new Uint8Array(4_000_000));
    new DataView(bomb.buffer).setUint32(bomb.length - 4, 1000, true);
    expect(() => decodeRecord(bomb, 'checkpoint/model-1.mpk.gz', 'model', 100_000)).toThrow(/unpacks past its declared 1000 bytes/);
  });

  it('reads_a_record_kiln_wrote_under_its_default_limit', () => {
    const { scheduler, progress } = records(1);
    const bytes = encodeRecord({ kind: 'scheduler', checkpoint: { id: 'x', epoch: 1, globalStep: 2 }, payload: { scheduler, progress } }, placement);
    expect(decodeRecord(bytes, 's.gz', 'scheduler').payload).toEqual({ scheduler, progress });
  });
});

describe('checkpoint load refuses what training cannot resume from', () => {
  it('refuses_nan_weights_naming_the_file_and_the_tensor', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(2, records(2, new Float32Array([0, 1, 2, NaN, 4, 5])));
    await expect(c.load(2)).rejects.toThrow("checkpoint/model-2.mpk.gz: weights[0] 'dense1/kernel': value 3 is not finite");
  });

  it('refuses_infinite_optimizer_state_naming_the_slot', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    const r = records(1);
    r.optim.slots.v[1] = { name: 'dense1/bias', shape: [2], dtype: 'float32', data: new Float32Array([1, -Infinity]) };
    await c.save(1, r);
    await expect(c.load(1)).rejects.toThrow("checkpoint/optim-1.mpk.gz: slot 'v'[1] 'dense1/bias': value 1 is not finite");
  });

  it('refuses_a_scheduler_record_without_progress', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(1, records(1));
    await rewrite(store, 'checkpoint/scheduler-1.mpk.gz', (r) => delete r.progress);
    await expect(c.load(1)).rejects.toThrow(/^checkpoint\/scheduler-1\.mpk\.gz: invalid scheduler record \(progress: /);
  });

  it('refuses_garbage_progress_and_schedule_state', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(1, records(1));
    const path = 'checkpoint/scheduler-1.mpk.gz';
    const good = (await store.read(path))!;
    await rewrite(store, path, (r) => ((r.progress as { rng: unknown }).rng = { s: 'garbage' }));
    await expect(c.load(1)).rejects.toThrow(/scheduler-1\.mpk\.gz: invalid scheduler record \(progress\.rng\.s: /);
    await store.write(path, good);
    await rewrite(store, path, (r) => ((r.scheduler as { step: number }).step = Number.NaN));
    await expect(c.load(1)).rejects.toThrow(/scheduler-1\.mpk\.gz: invalid scheduler record \(scheduler\.step: /);
  });

  it('reads_an_optimizer_config_whose_absent_options_msgpack_wrote_as_nil', async () => {
    // The studio's form leaves `gradClipping: undefined`, which msgpack writes as nil.
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    const r = records(1);
    await c.save(1, { ...r, optim: { ...r.optim, config: { ...r.optim.config, gradClipping: undefined } } });
    expect((await c.load(1)).optim.config.type).toBe('adam');
  });

  it('refuses_an_optimizer_record_whose_type_and_config_disagree', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(1, records(1));
    await rewrite(store, 'checkpoint/optim-1.mpk.gz', (r) => (r.type = 'sgd'));
    await expect(c.load(1)).rejects.toThrow("checkpoint/optim-1.mpk.gz: optimizer type 'sgd' differs from its config's 'adam'");
  });

  it('holds_the_optimizer_record_to_its_slots_of_the_model_records_size', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(1, records(1));
    await rewrite(store, 'checkpoint/optim-1.mpk.gz', (r) => (r.pad = new Uint8Array(1_000_000)));
    await expect(c.load(1)).rejects.toThrow(/^checkpoint\/optim-1\.mpk\.gz: .*over the \d+-byte limit/);
  });
});
