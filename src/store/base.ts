/** Several writes and deletes that belong together (a checkpoint's three records). */
export interface StoreBatch {
  readonly write?: readonly { path: string; data: Uint8Array | string }[];
  readonly delete?: readonly string[];
}

/**
 * Where a run's artifacts live, addressed by relative paths such as `train/epoch-1/Loss.log`:
 * a directory in Node, IndexedDB in the browser, memory in tests.
 */
export interface ArtifactStore {
  /** Replaces the file atomically: a reader sees the old content or the new, never a part. */
  write(path: string, data: Uint8Array | string): Promise<void>;
  /** Appends text, creating the file when missing. */
  append(path: string, text: string): Promise<void>;
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Every file path under `prefix` (a folder such as `checkpoint/` or '' for all), sorted. */
  list(prefix?: string): Promise<string[]>;
  /** Removes the file; no error when it does not exist. */
  delete(path: string): Promise<void>;
  /**
   * Applies a batch: in one transaction where the backing store has them (IndexedDB), else
   * writes then deletes in order, each file atomic.
   */
  commit(batch: StoreBatch): Promise<void>;
}

/** `commit` for stores without transactions: each write atomic, in order, then the deletes. */
export async function commitInOrder(store: ArtifactStore, batch: StoreBatch): Promise<void> {
  for (const f of batch.write ?? []) await store.write(f.path, f.data);
  for (const p of batch.delete ?? []) await store.delete(p);
}

const decoder = new TextDecoder();

/** Reads a file as UTF-8 text, or undefined. */
export async function readText(store: ArtifactStore, path: string): Promise<string | undefined> {
  const bytes = await store.read(path);
  return bytes === undefined ? undefined : decoder.decode(bytes);
}

/** Rejects paths that would leave the store's root (`..`, absolute, backslashes) or are empty. */
export function checkPath(path: string): string {
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || path.includes('\\') || parts.some((p) => p === '..' || p === '.' || p === '')) {
    throw new Error(`invalid artifact path '${path}'`);
  }
  return path;
}

/** Whether `path` is a relative path that stays inside a run (see {@link checkPath}). */
export function isSafePath(path: string): boolean {
  try {
    checkPath(path);
    return true;
  } catch {
    return false;
  }
}

/** The top-level entries of a run's layout (Burn's, and Kiln's config, dataset and initial model): a folder holding any of them holds a run. */
export const RUN_ENTRIES = ['experiment.log', 'checkpoint', 'train', 'valid', 'config.json', 'dataset', 'init'] as const;
