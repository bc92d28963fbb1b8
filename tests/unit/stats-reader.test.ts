import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { StatsReader } from '../../src/train/learner/stats-reader';
import { slotLanded } from '../../src/train/step/stats';

/** One step's statistics: a loss-like scalar part and a two-value part. */
const step = (k: number) => [tf.tensor1d([k]), tf.tensor1d([10 * k, 10 * k + 1])];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('stats reader', () => {
  it('reads_a_group_of_fast_steps_with_one_read_and_gives_each_its_own_values', async () => {
    const reader = new StatsReader(4, 1e9);
    const before = tf.memory().numTensors;
    await reader.values(reader.add(step(0))); // the first step has no predecessor to be fast after: read at once
    const slots = [1, 2, 3].map((k) => reader.add(step(k)));
    expect(slots.every((s) => s.landed === null)).toBe(true); // still on the device
    slots.push(reader.add(step(4)));
    expect(new Set(slots.map((s) => s.landed)).size).toBe(1); // one read for the four
    const values = await Promise.all(slots.map((s) => reader.values(s)));
    values.forEach((v, i) => expect(Array.from(v!.subarray(slots[i].offset, slots[i].offset + 3))).toEqual([i + 1, 10 * (i + 1), 10 * (i + 1) + 1]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads_a_short_group_padded_to_full_size_on_flush_and_slow_steps_at_once', async () => {
    const grouped = new StatsReader(8, 1e9);
    await grouped.values(grouped.add(step(0)));
    const a = grouped.add(step(1));
    const b = grouped.add(step(2));
    grouped.flush();
    expect(Array.from((await grouped.values(b))!.subarray(b.offset, b.offset + 3))).toEqual([2, 20, 21]);
    expect((await grouped.values(a))!.length).toBe(8 * 3); // padded with copies of the last step
    const slow = new StatsReader(8, 0);
    expect(slow.add(step(5)).landed).not.toBeNull();
  });

  it('steps_without_statistics_land_at_once_and_a_failed_read_is_rethrown', async () => {
    const reader = new StatsReader();
    const none = reader.add([]);
    expect(slotLanded(none)).toBe(true);
    expect(await reader.values(none)).toBeNull();
    const failing = new StatsReader();
    vi.spyOn(tf.Tensor.prototype, 'data').mockRejectedValueOnce(new Error('device lost'));
    const slot = failing.add([tf.tensor1d([2])]);
    await expect(failing.values(slot)).rejects.toThrow('device lost');
    vi.restoreAllMocks();
  });
});
