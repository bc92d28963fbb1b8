import { decode, encode } from '@msgpack/msgpack';
import * as tf from '@tensorflow/tfjs';
import { gunzipSync, gzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory';
import {
  BURN_METADATA,
  FileCheckpointer,
  genericLayout,
  LearnerCheckpointer,
  RECORD_VERSION,
  decodeRecord,
  encodeRecord,
  packRecord,
  packTensor,
  unpackTensor,
  type CheckpointRecords,
  type Record as KilnRecord,
} from '../../src/train/checkpoint';
import { burnRecord } from '../../src/train/checkpoint/burn/record';
import type { CheckpointingAction } from '../../src/train/checkpoint/strategy/base';
import { MetricHistory } from '../../src/train/learner/history';
import { FullAtEpoch2Store } from './fixtures';
import type { StoreBatch } from '../../src/store/base';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import { fromTensorRecord, toTensorRecord, type TensorRecord } from '../../src/train/tensor-record';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Float32 values that a lossy or re-encoding path would change: signed zero, subnormals, extremes. */
const TRICKY = new Float32Array([0, -0, 1e-45, -1.17549435e-38, 3.4028235e38, -Infinity, Infinity, NaN, Math.PI, -1 / 3, 1e-7, 123456.789]);

const sameBits = (a: Float32Array | Int32Array, b: Float32Array | Int32Array) =>
  expect(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).toEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/** Where the test records' weights go: a module per name prefix. */
const placement = (names = ['dense1/kernel']) => ({ layout: genericLayout(names), weights: names.map((name) => ({ name, shape: [3, 4] })) });

const modelRecord = (id = 'abc'): KilnRecord => ({
  kind: 'model',
  checkpoint: { id, epoch: 3, globalStep: 120 },
  payload: { weights: [packTensor({ name: 'dense1/kernel', shape: [3, 4], dtype: 'float32', data: TRICKY })] },
});

function records(seed: number): CheckpointRecords {
  const w = (name: string, shape: number[]): TensorRecord => ({
    name,
    shape,
    dtype: 'float32',
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => seed + i / 7),
  });
  return {
    model: [w('dense1/kernel', [3, 2]), w('dense1/bias', [2])],
    optim: {
      type: 'adam',
      config: parseOptimizerConfig({ type: 'adam', beta1: 0.85 }),
      step: 40 + seed,
      slots: { m: [w('dense1/kernel', [3, 2]), w('dense1/bias', [2])], v: [w('dense1/kernel', [3, 2]), w('dense1/bias', [2])] },
    },
    scheduler: { config: parseSchedulerConfig({ type: 'cosine', lr: 0.1, steps: 100 }), step: 40 + seed },
    progress: { epoch: seed, globalStep: 40 + seed, dataOrder: { seed: null, shuffle: true }, rng: { s: 0xdeadbeef } },
  };
}

describe('record codec', () => {
  it('writes_gzip_of_msgpack_with_the_documented_fields', () => {
    const bytes = encodeRecord(modelRecord(), placement());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const raw = decode(gunzipSync(bytes)) as { [k: string]: unknown };
    expect(Object.keys(raw)).toEqual(['metadata', 'item', '_b', 'kiln']);
    expect(raw.metadata).toEqual(BURN_METADATA);
    expect(raw._b).toEqual([]);
    expect(RECORD_VERSION).toBe(2);
    expect(raw.kiln).toMatchObject({ format: 'kiln.record', version: 2, kind: 'model', checkpoint: { id: 'abc', epoch: 3, globalStep: 120 } });
    const { param } = (raw.item as { dense1: { kernel: { id: string; param: { bytes: Uint8Array; shape: number[]; dtype: string } } } }).dense1.kernel;
    expect(param).toMatchObject({ shape: [3, 4], dtype: 'F32' });
    expect(param.bytes.length).toBe(4 * 12);
  });

  it('writes_the_bytes_msgpack_writes_with_large_tensors_kept_out_of_its_buffer', () => {
    // Tensors of 64 KiB and more go into the file as parts of their own: the file must not differ.
    const shapes: [string, number[]][] = [
      ['dense1/kernel', [300, 100]], // 120,000 bytes
      ['dense1/bias', [100]],
      ['dense2/kernel', [128, 128]], // exactly 64 KiB
      ['dense2/bias', [3]],
    ];
    const weights = shapes.map(([name, shape]) =>
      packTensor({ name, shape, dtype: 'float32', data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i) * 1e3) }),
    );
    const record: KilnRecord = { kind: 'model', checkpoint: { id: 'big', epoch: 1, globalStep: 9 }, payload: { weights } };
    const where = { layout: genericLayout(shapes.map(([n]) => n)), weights: shapes.map(([name, shape]) => ({ name, shape })) };
    const parts = packRecord(record, where);
    expect(parts.length).toBe(1 + 3 * 2); // two large tensors: a header and the tensor each, between msgpack's pieces
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    const whole = encode(burnRecord('model', record.checkpoint, record.payload, where, RECORD_VERSION), { useBigInt64: true, ignoreUndefined: true });
    expect(joined).toEqual(whole);
    expect(gunzipSync(encodeRecord(record, where))).toEqual(whole);
  });

  it('decodes_what_it_encodes', () => {
    const r = modelRecord();
    const back = decodeRecord<{ weights: ReturnType<typeof packTensor>[] }>(encodeRecord(r, placement()), 'm.gz', 'model');
    expect(back.kind).toBe('model');
    expect(back.checkpoint).toEqual(r.checkpoint);
    sameBits(TRICKY, unpackTensor(back.payload.weights[0]).data);
  });

  it('rejects_a_file_that_is_not_gzip_naming_it', () => {
    expect(() => decodeRecord(new TextEncoder().encode('{"weights": []}'), 'checkpoint/model-1.mpk.gz', 'model')).toThrow(
      /^checkpoint\/model-1\.mpk\.gz: not a gzip-compressed msgpack record/,
    );
  });

  it('rejects_another_format_naming_the_file', () => {
    const bytes = gzipSync(encode({ format: 'burn.record', version: 1, kind: 'model' }));
    expect(() => decodeRecord(bytes, 'checkpoint/model-1.mpk.gz', 'model')).toThrow('checkpoint/model-1.mpk.gz: not a Kiln record');
    expect(() => decodeRecord(gzipSync(encode([1, 2, 3])), 'x.gz', 'model')).toThrow('x.gz: not a Kiln record');
  });

  it('rejects_an_unknown_version_naming_the_file_and_the_versions', () => {
    const old = gzipSync(encode({ format: 'kiln.record', version: 0, kind: 'model', checkpoint: {}, payload: {} }));
    expect(() => decodeRecord(old, 'checkpoint/model-4.mpk.gz', 'model')).toThrow(
      'checkpoint/model-4.mpk.gz: record format version 0, this version of Kiln reads versions 1 and 2',
    );
    const next = gzipSync(encode({ metadata: BURN_METADATA, item: {}, _b: [], kiln: { format: 'kiln.record', version: 3, kind: 'model' } }));
    expect(() => decodeRecord(next, 'checkpoint/model-4.mpk.gz', 'model')).toThrow(
      'checkpoint/model-4.mpk.gz: record format version 3, this version of Kiln reads versions 1 and 2',
    );
  });

  it('rejects_a_burn_record_without_kilns_state_naming_the_file', () => {
    const bytes = gzipSync(encode({ metadata: BURN_METADATA, item: {}, _b: [] }));
    expect(() => decodeRecord(bytes, 'checkpoint/model-4.mpk.gz', 'model')).toThrow("checkpoint/model-4.mpk.gz: a Burn record without Kiln's training state");
  });

  it('names_the_field_of_a_burn_item_that_does_not_hold_its_weight', () => {
    const raw = decode(gunzipSync(encodeRecord(modelRecord(), placement()))) as { item: { dense1: { kernel: { param: { dtype: string } } } } };
    raw.item.dense1.kernel.param.dtype = 'F16';
    expect(() => decodeRecord(gzipSync(encode(raw)), 'checkpoint/model-4.mpk.gz', 'model')).toThrow(
      'checkpoint/model-4.mpk.gz: item.dense1.kernel.param: dtype "F16", Kiln reads F32 and I32 tensors',
    );
    delete (raw.item.dense1 as { kernel?: unknown }).kernel;
    expect(() => decodeRecord(gzipSync(encode(raw)), 'checkpoint/model-4.mpk.gz', 'model')).toThrow('checkpoint/model-4.mpk.gz: item.dense1.kernel is missing');
  });

  it('rejects_a_record_of_another_kind_naming_the_file', () => {
    expect(() => decodeRecord(encodeRecord(modelRecord(), placement()), 'checkpoint/optim-3.mpk.gz', 'optim')).toThrow(
      'checkpoint/optim-3.mpk.gz: holds a model record, expected optim',
    );
  });

  it('rejects_a_truncated_file_naming_it', () => {
    const bytes = encodeRecord(modelRecord(), placement());
    for (const keep of [0, 5, 10, Math.floor(bytes.length / 2), bytes.length - 9, bytes.length - 1]) {
      expect(() => decodeRecord(bytes.subarray(0, keep), 'checkpoint/model-3.mpk.gz', 'model')).toThrow(/^checkpoint\/model-3\.mpk\.gz: /);
    }
  });

  it('rejects_a_file_whose_gzip_checksum_does_not_match', () => {
    const bytes = encodeRecord(modelRecord(), placement());
    bytes[bytes.length - 8] ^= 0x01; // first byte of the CRC-32 trailer
    expect(() => decodeRecord(bytes, 'checkpoint/model-3.mpk.gz', 'model')).toThrow(/checkpoint\/model-3\.mpk\.gz/);
  });
});

describe('tensor packing', () => {
  it('stores_little_endian_bytes_row_major', () => {
    expect([...packTensor({ name: 'a', shape: [1], dtype: 'float32', data: new Float32Array([1]) }).data]).toEqual([0, 0, 0x80, 0x3f]);
    expect([...packTensor({ name: 'b', shape: [2], dtype: 'int32', data: new Int32Array([1, -2]) }).data]).toEqual([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
  });

  it('packs_only_the_view_of_a_subarray', () => {
    const whole = new Float32Array([9, 1, 2, 9]);
    const p = packTensor({ name: 'v', shape: [2], dtype: 'float32', data: whole.subarray(1, 3) });
    expect(Array.from(unpackTensor(p).data)).toEqual([1, 2]);
  });

  it('round_trips_float32_and_int32_bit_exactly_through_a_record', () => {
    const ints = new Int32Array([0, -1, 2147483647, -2147483648, 42, 7]);
    const r: KilnRecord = {
      kind: 'model',
      checkpoint: { id: 'x', epoch: 1, globalStep: 1 },
      payload: {
        weights: [
          packTensor({ name: 'a/f', shape: [3, 4], dtype: 'float32', data: TRICKY }),
          packTensor({ name: 'a/i', shape: [2, 3], dtype: 'int32', data: ints }),
        ],
      },
    };
    const back = decodeRecord<{ weights: ReturnType<typeof packTensor>[] }>(encodeRecord(r, placement(['a/f', 'a/i'])), 'o.gz', 'model').payload;
    const f = unpackTensor(back.weights[0]);
    const i = unpackTensor(back.weights[1]);
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(f.shape).toEqual([3, 4]);
    sameBits(TRICKY, f.data);
    expect(Array.from(i.data)).toEqual(Array.from(ints));
  });

  it('round_trips_a_device_tensor_bit_exactly', async () => {
    const t = tf.tensor(TRICKY, [4, 3]);
    const packed = packTensor(await toTensorRecord('w', t));
    const back = fromTensorRecord(unpackTensor(packed));
    expect(back.shape).toEqual([4, 3]);
    sameBits(TRICKY, back.dataSync() as Float32Array);
    tf.dispose([t, back]);
  });

  it('rejects_data_that_does_not_fit_the_shape_naming_the_tensor', () => {
    const p = packTensor({ name: 'dense1/bias', shape: [3], dtype: 'float32', data: new Float32Array(2) });
    expect(() => unpackTensor(p)).toThrow("tensor 'dense1/bias': 2 values for shape [3]");
  });

  it('rejects_a_partial_value_naming_the_tensor', () => {
    expect(() => unpackTensor({ name: 'dense1/bias', shape: [2], dtype: 'float32', data: new Uint8Array(7) })).toThrow(/dense1\/bias/);
  });
});

describe('file checkpointer', () => {
  it('saves_to_checkpoint_kind_epoch_and_restores', async () => {
    const store = new MemoryStore();
    const c = new FileCheckpointer(store, 'model');
    expect(c.path(7)).toBe('checkpoint/model-7.mpk.gz');
    await c.save(7, modelRecord(), placement());
    expect(await store.list()).toEqual(['checkpoint/model-7.mpk.gz']);
    expect((await c.restore(7)).checkpoint).toEqual({ id: 'abc', epoch: 3, globalStep: 120 });
  });

  it('lists_its_own_epochs_in_numeric_order', async () => {
    const store = new MemoryStore();
    const c = new FileCheckpointer(store, 'model');
    for (const e of [10, 2, 1]) await c.save(e, modelRecord(), placement());
    await store.write('checkpoint/optim-5.mpk.gz', 'x');
    await store.write('checkpoint/model-x.mpk.gz', 'x');
    expect(await c.epochs()).toEqual([1, 2, 10]);
    await c.delete(2);
    expect(await c.epochs()).toEqual([1, 10]);
  });

  it('restore_names_a_missing_or_corrupted_file', async () => {
    const store = new MemoryStore();
    const c = new FileCheckpointer(store, 'model');
    await expect(c.restore(3)).rejects.toThrow('checkpoint/model-3.mpk.gz: no such checkpoint record');
    await store.write('checkpoint/model-3.mpk.gz', new Uint8Array([1, 2, 3, 4, 5]));
    await expect(c.restore(3)).rejects.toThrow(/^checkpoint\/model-3\.mpk\.gz: not a gzip-compressed msgpack record/);
    const good = encodeRecord(modelRecord(), placement());
    await store.write('checkpoint/model-3.mpk.gz', good.subarray(0, good.length - 20));
    await expect(c.restore(3)).rejects.toThrow(/^checkpoint\/model-3\.mpk\.gz: /);
  });
});

describe('learner checkpointer', () => {
  const keepAll = { keep: (epoch: number) => Array.from({ length: epoch }, (_, i) => i + 1) };

  it('saves_three_records_and_loads_them_back_exactly', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    const r = records(2);
    await c.save(2, r);
    expect(await store.list()).toEqual(['checkpoint/model-2.mpk.gz', 'checkpoint/optim-2.mpk.gz', 'checkpoint/scheduler-2.mpk.gz']);
    const back = await c.load(2);
    expect(back.model.map((t) => [t.name, t.shape])).toEqual([
      ['dense1/kernel', [3, 2]],
      ['dense1/bias', [2]],
    ]);
    back.model.forEach((t, i) => sameBits(r.model[i].data, t.data));
    back.optim.slots.v.forEach((t, i) => sameBits(r.optim.slots.v[i].data, t.data));
    expect(back.optim).toMatchObject({ type: 'adam', config: r.optim.config, step: 42 });
    expect(back.scheduler).toEqual(r.scheduler);
    expect(back.progress).toEqual(r.progress);
  });

  /** A store whose commits wait for the test to open their gate, one at a time. */
  class GatedStore extends MemoryStore {
    readonly gates: (() => void)[] = [];
    override async commit(batch: StoreBatch): Promise<void> {
      await new Promise<void>((open) => this.gates.push(open));
      return super.commit(batch);
    }
  }
  const until = async (ready: () => boolean) => {
    while (!ready()) await new Promise((r) => setTimeout(r, 1));
  };

  it('lets_two_checkpoints_be_in_flight_holds_a_third_until_the_first_lands_and_prunes_what_is_still_being_written', async () => {
    const store = new GatedStore();
    const keepLastTwo = { keep: (epoch: number) => [epoch - 1, epoch].filter((e) => e >= 1) };
    const c = new LearnerCheckpointer(store, keepLastTwo);
    const history = new MetricHistory();
    const landed: string[] = [];
    const note = (a: CheckpointingAction) => landed.push(`${a.type} ${a.epoch}`);
    await c.checkpoint(1, history, async () => records(1), note);
    await c.checkpoint(2, history, async () => records(2), note); // returns while checkpoint 1 is still being written
    let third: CheckpointingAction[] | null = null;
    const pending = c.checkpoint(3, history, async () => records(3), note).then((a) => (third = a));
    await until(() => store.gates.length === 1); // checkpoint 1's commit waits at its gate
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBeNull(); // two in flight: the third waits
    expect(landed).toEqual([]);
    store.gates.shift()!();
    // Decided while checkpoint 2 was not yet written: 1 goes, though the store did not list 2 yet.
    expect(await pending).toEqual([
      { type: 'save', epoch: 3 },
      { type: 'delete', epoch: 1 },
    ]);
    while (landed.length < 4) {
      store.gates.shift()?.();
      await new Promise((r) => setTimeout(r, 1));
    }
    await c.flush();
    expect(landed).toEqual(['save 1', 'save 2', 'save 3', 'delete 1']);
    expect(await c.epochs()).toEqual([2, 3]);
  });

  it('deletes_an_epoch_saved_twice_once_when_it_is_pruned', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, { keep: (epoch: number) => [epoch - 1, epoch].filter((e) => e >= 1) });
    const history = new MetricHistory();
    const landed: string[] = [];
    const note = (a: CheckpointingAction) => landed.push(`${a.type} ${a.epoch}`);
    for (const epoch of [1, 1, 2, 3]) await c.checkpoint(epoch, history, async () => records(epoch), note);
    await c.flush();
    expect(landed).toEqual(['save 1', 'save 1', 'save 2', 'save 3', 'delete 1']);
    expect(await c.epochs()).toEqual([2, 3]);
  });

  it('holds_a_second_checkpoint_until_the_first_lands_when_two_would_pass_the_byte_limit', async () => {
    const store = new GatedStore();
    const c = new LearnerCheckpointer(store, keepAll, { checkpoints: 2, bytes: 100 }); // records(n) hold 96 bytes
    const history = new MetricHistory();
    await c.checkpoint(1, history, async () => records(1));
    let second = false;
    const pending = c.checkpoint(2, history, async () => records(2)).then(() => (second = true));
    await until(() => store.gates.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    store.gates.shift()!();
    await pending;
    await until(() => store.gates.length === 1);
    store.gates.shift()!();
    await c.flush();
    expect(await c.epochs()).toEqual([1, 2]);
  });

  it('fails_a_later_checkpoint_and_flush_with_a_failed_writes_error_and_writes_nothing_after_it', async () => {
    const store = new FullAtEpoch2Store();
    const c = new LearnerCheckpointer(store, keepAll);
    const history = new MetricHistory();
    await c.checkpoint(1, history, async () => records(1));
    await c.checkpoint(2, history, async () => records(2));
    await c.checkpoint(3, history, async () => records(3)); // queued behind 2, whose failure it does not see yet
    await expect(c.checkpoint(4, history, async () => records(4))).rejects.toThrow('disk full');
    await expect(c.flush()).rejects.toThrow('disk full');
    expect(await c.epochs()).toEqual([1]);
  });

  it('stamps_the_three_files_of_a_save_with_one_id_and_each_save_with_a_new_one', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    const ids = async (epoch: number) =>
      Promise.all(
        (['model', 'optim', 'scheduler'] as const).map(async (k) => decodeRecord((await store.read(`checkpoint/${k}-${epoch}.mpk.gz`))!, k, k).checkpoint),
      );
    await c.save(1, records(1));
    const first = await ids(1);
    expect(new Set(first.map((s) => s.id)).size).toBe(1);
    expect(first[0]).toMatchObject({ epoch: 1, globalStep: 41 });
    await c.save(1, records(1));
    expect((await ids(1))[0].id).not.toBe(first[0].id);
  });

  it('refuses_to_load_a_checkpoint_whose_files_come_from_different_saves', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(1, records(1));
    const oldModel = (await store.read('checkpoint/model-1.mpk.gz'))!;
    await c.save(1, records(5));
    await store.write('checkpoint/model-1.mpk.gz', oldModel);
    await expect(c.load(1)).rejects.toThrow('checkpoint 1 is incomplete');
  });

  it('load_names_the_missing_file_of_a_half_written_checkpoint', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(4, records(4));
    await store.delete('checkpoint/scheduler-4.mpk.gz');
    await expect(c.load(4)).rejects.toThrow('checkpoint/scheduler-4.mpk.gz: no such checkpoint record');
  });

  it('delete_removes_all_three_files_of_that_epoch_only', async () => {
    const store = new MemoryStore();
    const c = new LearnerCheckpointer(store, keepAll);
    await c.save(1, records(1));
    await c.save(2, records(2));
    await c.delete(1);
    expect(await store.list()).toEqual(['checkpoint/model-2.mpk.gz', 'checkpoint/optim-2.mpk.gz', 'checkpoint/scheduler-2.mpk.gz']);
    expect(await c.epochs()).toEqual([2]);
  });
});
