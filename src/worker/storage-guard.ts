import type { ArtifactStore } from '../store/base';
import { StorageFullError } from '../store/idb';

/**
 * Wraps a store so that a write past the storage quota waits instead of failing: `onFull` tells
 * the user and resolves true once they freed space and pressed Resume (retry), false to give up.
 * Nothing already stored is touched, and no line or record is lost.
 */
export function guardedStore(store: ArtifactStore, onFull: (e: StorageFullError) => Promise<boolean>): ArtifactStore {
  const guard = async <T>(op: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await op();
      } catch (e) {
        if (!(e instanceof StorageFullError) || !(await onFull(e))) throw e;
      }
    }
  };
  return {
    write: (p, data) => guard(() => store.write(p, data)),
    append: (p, text) => guard(() => store.append(p, text)),
    read: (p) => store.read(p),
    list: (prefix) => store.list(prefix),
    delete: (p) => guard(() => store.delete(p)),
    commit: (batch) => guard(() => store.commit(batch)),
  };
}
