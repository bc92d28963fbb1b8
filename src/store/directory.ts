import type { ArtifactStore } from './base';

/**
 * A directory path as an ArtifactStore: in Node, a DirectoryStore loaded on first use (so this
 * module, which the browser build also sees, never imports node:fs itself); elsewhere an error
 * that says to pass a store.
 */
export function directoryStore(dir: string): ArtifactStore {
  let store: Promise<ArtifactStore> | undefined;
  const open = () =>
    (store ??= (async () => {
      if (!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) {
        throw new Error(`artifact directory '${dir}': a directory path needs Node; in the browser pass an ArtifactStore`);
      }
      const specifier = './node-dir'; // computed, so bundlers and the worker's type check skip it
      const { DirectoryStore } = (await import(/* @vite-ignore */ specifier)) as { DirectoryStore: new (root: string) => ArtifactStore };
      return new DirectoryStore(dir);
    })());
  return {
    write: async (p, data) => (await open()).write(p, data),
    append: async (p, text) => (await open()).append(p, text),
    read: async (p) => (await open()).read(p),
    list: async (prefix) => (await open()).list(prefix),
    delete: async (p) => (await open()).delete(p),
    commit: async (batch) => (await open()).commit(batch),
  };
}
