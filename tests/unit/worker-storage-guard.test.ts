import { describe, expect, it } from 'vitest';
import { readText, type ArtifactStore } from '../../src/store/base';
import { StorageFullError } from '../../src/store/idb';
import { MemoryStore } from '../../src/store/memory';
import { guardedStore } from '../../src/worker/storage-guard';

/** A store that is "full" until `free()` is called. */
function fullStore(): { store: ArtifactStore; free: () => void; attempts: () => number } {
  const inner = new MemoryStore();
  let full = true;
  let attempts = 0;
  const guard = <T>(op: () => Promise<T>) => {
    attempts++;
    return full ? Promise.reject(new StorageFullError('experiment.log')) : op();
  };
  const store: ArtifactStore = {
    write: (p, d) => guard(() => inner.write(p, d)),
    append: (p, t) => guard(() => inner.append(p, t)),
    read: (p) => inner.read(p),
    list: (p) => inner.list(p),
    delete: (p) => guard(() => inner.delete(p)),
    commit: (b) => guard(() => inner.commit(b)),
  };
  return { store, free: () => (full = false), attempts: () => attempts };
}

describe('storage guard', () => {
  it('holds_a_write_until_space_is_freed_then_writes_it_whole', async () => {
    const { store, free, attempts } = fullStore();
    const told: string[] = [];
    let release = () => {};
    const guarded = guardedStore(store, (e) => {
      told.push(e.message);
      return new Promise((resolve) => (release = () => resolve(true)));
    });
    const pending = guarded.append('experiment.log', 'line 1\n');
    await new Promise((r) => setTimeout(r, 10));
    expect(told).toEqual(['storage is full: could not save experiment.log. Delete old runs or checkpoints, then resume.']);
    free();
    release();
    await pending;
    expect(await readText(store, 'experiment.log')).toBe('line 1\n');
    expect(attempts()).toBe(2);
  });

  it('gives_up_with_the_storage_error_when_the_user_stops', async () => {
    const { store } = fullStore();
    const guarded = guardedStore(store, async () => false);
    await expect(guarded.commit({ write: [{ path: 'checkpoint/model-1.mpk.gz', data: new Uint8Array(1) }] })).rejects.toBeInstanceOf(StorageFullError);
  });

  it('passes_other_errors_through_at_once', async () => {
    let asked = false;
    const guarded = guardedStore(new MemoryStore(), async () => (asked = true));
    await expect(guarded.write('../x', 'y')).rejects.toThrow(/invalid artifact path/);
    expect(asked).toBe(false);
  });
});
