import { type ArtifactStore, RUN_ENTRIES } from '../store/base';

/** Whether a folder holds a run's entries. */
async function holdsRun(dir: FileSystemDirectoryHandle): Promise<boolean> {
  for (const name of RUN_ENTRIES) {
    const file = await dir.getFileHandle(name).then(
      () => true,
      () => false,
    );
    const folder =
      file ||
      (await dir.getDirectoryHandle(name).then(
        () => true,
        () => false,
      ));
    if (folder) return true;
  }
  return false;
}

/**
 * The folder a run mirrors into, `root/<runId>`. A fresh run never mirrors into a folder that
 * already holds a run (its files would be overwritten and its checkpoints deleted): that is refused,
 * naming the folder. A resumed run continues its own folder.
 */
export async function mirrorFolder(root: FileSystemDirectoryHandle, runId: string, fresh: boolean): Promise<FileSystemDirectoryHandle> {
  const existing = fresh ? await root.getDirectoryHandle(runId).catch(() => null) : null;
  if (existing && (await holdsRun(existing))) {
    throw new Error(
      `the folder ${root.name}/${runId} already holds a run: this run is not mirrored there, nothing in it was changed (pick another folder on the Storage tab)`,
    );
  }
  return root.getDirectoryHandle(runId, { create: true });
}

/**
 * Tees a run's writes into a real folder (File System Access API) with the same layout, so the
 * run can be synced with any file system. IndexedDB stays the source of truth: a failed mirror
 * write is reported through `onError` and training goes on.
 */
export function mirroredStore(store: ArtifactStore, root: FileSystemDirectoryHandle, onError: (message: string) => void): ArtifactStore {
  let chain: Promise<void> = Promise.resolve();
  const mirror = (what: string, op: () => Promise<void>) => {
    // One mirror write at a time, in the order of the store's writes.
    chain = chain.then(op).catch((e: Error) => onError(`mirror to folder '${root.name}': ${what}: ${e.message}`));
  };
  const fileHandle = async (path: string) => {
    const parts = path.split('/');
    let dir = root;
    for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create: true });
    return { dir, file: await dir.getFileHandle(parts[parts.length - 1], { create: true }), name: parts[parts.length - 1] };
  };
  const put = async (path: string, data: Uint8Array | string, append: boolean) => {
    const { file } = await fileHandle(path);
    const w = await file.createWritable({ keepExistingData: append });
    if (append) await w.seek((await file.getFile()).size);
    await w.write(typeof data === 'string' ? data : new Blob([data.slice()]));
    await w.close();
  };
  const remove = async (path: string) => {
    const { dir, name } = await fileHandle(path);
    await dir.removeEntry(name);
  };
  return {
    async write(p, data) {
      await store.write(p, data);
      mirror(p, () => put(p, data, false));
    },
    async append(p, text) {
      await store.append(p, text);
      mirror(p, () => put(p, text, true));
    },
    read: (p) => store.read(p),
    list: (prefix) => store.list(prefix),
    async delete(p) {
      await store.delete(p);
      mirror(p, () => remove(p));
    },
    async commit(batch) {
      await store.commit(batch);
      for (const f of batch.write ?? []) mirror(f.path, () => put(f.path, f.data, false));
      for (const p of batch.delete ?? []) mirror(p, () => remove(p));
    },
  };
}
