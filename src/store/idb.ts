import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { checkPath, type ArtifactStore, type StoreBatch } from './base';

/** The database's name and schema version (docs/FORMATS.md). */
export const DB_NAME = 'kiln';
export const DB_VERSION = 3;

/** How a stored run stands. `interrupted`: it was running when its tab died. */
export type RunStatus = 'running' | 'done' | 'stopped' | 'failed' | 'interrupted';

/** A run in the runs list: what the list shows without reading any file. */
export interface RunRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly status: RunStatus;
  readonly dataset: string;
  /** A short description of the model ("MLP 128", "CNN 32-64"). */
  readonly model: string;
  /** The run's config (RunConfig; kept as plain data so this module needs no schema). */
  readonly config: unknown;
  readonly epochs: number;
  readonly epochsDone: number;
  /** Epochs with a complete checkpoint, ascending; kept in the same transaction as the records. */
  readonly checkpoints: readonly number[];
  readonly best?: { readonly metric: string; readonly value: number; readonly epoch: number };
  readonly message?: string;
  /** A run imported from a file: which, and when (its `createdAt` and `status` are the original run's where the file said them). */
  readonly imported?: { readonly from: string; readonly at: number };
}

/** One stored piece of a file: a file is its chunks in `seq` order (appends add a chunk). */
interface Chunk {
  readonly runId: string;
  readonly path: string;
  readonly seq: number;
  readonly data: Uint8Array;
  /** `data.byteLength`, kept beside it so sizes are read from an index, never from the data. */
  readonly size: number;
}

/** A file of a run and the bytes it takes. */
export interface FileSize {
  readonly path: string;
  readonly bytes: number;
}

interface KilnSchema extends DBSchema {
  runs: { key: string; value: RunRecord };
  chunks: { key: [string, string, number]; value: Chunk; indexes: { sizes: [string, string, number, number] } };
  /** GPU profiles by adapter (docs/FORMATS.md, "GPU profiles"), kept as plain data: the compiled step checks them as it reads them. */
  gpu: { key: string; value: unknown };
}

/** Thrown when the origin's storage quota is exhausted; nothing of the failed write was stored. */
export class StorageFullError extends Error {
  constructor(what: string) {
    super(`storage is full: could not save ${what}. Delete old runs or checkpoints, then resume.`);
    this.name = 'StorageFullError';
  }
}

const encoder = new TextEncoder();
const bytes = (data: Uint8Array | string) => (typeof data === 'string' ? encoder.encode(data) : data.slice());
const chunk = (runId: string, path: string, seq: number, data: Uint8Array): Chunk => ({ runId, path, seq, data, size: data.byteLength });
const CHECKPOINT = /^checkpoint\/(model|optim|scheduler)-(\d+)\.mpk\.gz$/;

/** Every chunk of a run, or of one file of a run. */
const runRange = (runId: string) => IDBKeyRange.bound([runId], [runId, []]);
const fileRange = (runId: string, path: string) => IDBKeyRange.bound([runId, path], [runId, path, Infinity]);

/** Whether an error means "over quota" (Chrome reports it as such, or as an AbortError wrapping it). */
function isQuotaError(e: unknown, tx?: { error: DOMException | null }): boolean {
  const name = (e as { name?: string })?.name;
  return name === 'QuotaExceededError' || (name === 'AbortError' && tx?.error?.name === 'QuotaExceededError');
}

type Tx = IDBPTransaction<KilnSchema, ('runs' | 'chunks')[], 'readwrite'>;

/**
 * The studio's IndexedDB: the one module that opens it. Three stores: `runs` (the runs list),
 * `chunks` (file contents by run, path and sequence) and `gpu` (GPU profiles by adapter). Transactions are small and never await
 * anything but their own requests.
 */
export class KilnDb {
  private constructor(private readonly db: IDBPDatabase<KilnSchema>) {}

  /** Opens (and creates or migrates) the database. */
  static async open(): Promise<KilnDb> {
    const db = await openDB<KilnSchema>(DB_NAME, DB_VERSION, {
      async upgrade(db, oldVersion, _newVersion, tx) {
        // Migrations run in order from the version found; version 1 creates the stores.
        if (oldVersion < 1) {
          db.createObjectStore('runs', { keyPath: 'id' });
          db.createObjectStore('chunks', { keyPath: ['runId', 'path', 'seq'] });
        }
        // Version 2: every chunk carries its size, indexed with its key (read without the data).
        if (oldVersion < 2) {
          const chunks = tx.objectStore('chunks');
          chunks.createIndex('sizes', ['runId', 'path', 'seq', 'size']);
          for (let c = await chunks.openCursor(); c; c = await c.continue()) await c.update({ ...c.value, size: c.value.data.byteLength });
        }
        // Version 3: GPU profiles.
        if (oldVersion < 3) db.createObjectStore('gpu');
      },
    });
    return new KilnDb(db);
  }

  /** Runs one read-write transaction over both stores; maps quota failures to StorageFullError. */
  async write(what: string, work: (tx: Tx) => Promise<void>, strict = false): Promise<void> {
    const tx = this.db.transaction(['runs', 'chunks'], 'readwrite', { durability: strict ? 'strict' : 'default' });
    try {
      await work(tx);
    } catch (e) {
      // A failed step must not commit the steps before it.
      if (!isQuotaError(e, tx)) tx.abort();
      await tx.done.catch(() => {});
      throw isQuotaError(e, tx) ? new StorageFullError(what) : e;
    }
    await tx.done.catch((e: unknown) => {
      throw isQuotaError(e, tx) ? new StorageFullError(what) : e;
    });
  }

  /** Every run, newest first. */
  async runs(): Promise<RunRecord[]> {
    return (await this.db.getAll('runs')).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** One run, if stored. */
  run(id: string): Promise<RunRecord | undefined> {
    return this.db.get('runs', id);
  }

  /** Adds or replaces a run record. */
  putRun(run: RunRecord): Promise<void> {
    return this.write(`run ${run.id}`, async (tx) => void (await tx.objectStore('runs').put(run)));
  }

  /** Changes fields of a stored run (in one transaction: read, merge, write). */
  updateRun(id: string, patch: Partial<Omit<RunRecord, 'id'>>): Promise<void> {
    return this.write(`run ${id}`, async (tx) => {
      const runs = tx.objectStore('runs');
      const run = await runs.get(id);
      if (run) await runs.put({ ...run, ...patch, updatedAt: Date.now() });
    });
  }

  /** Deletes a run and all its files in one transaction. */
  deleteRun(id: string): Promise<void> {
    return this.write(`deletion of run ${id}`, async (tx) => {
      await tx.objectStore('chunks').delete(runRange(id));
      await tx.objectStore('runs').delete(id);
    });
  }

  /** Stores a whole run (an import) in one transaction: all of it or nothing. */
  addRun(run: RunRecord, files: readonly { path: string; data: Uint8Array }[]): Promise<void> {
    return this.write(
      `imported run ${run.name}`,
      async (tx) => {
        if (await tx.objectStore('runs').get(run.id)) throw new Error(`a run with id ${run.id} already exists`);
        await tx.objectStore('runs').put(run);
        // IndexedDB clones a view's whole buffer: a file that views an archive is copied to its own bytes first.
        for (const f of files) await tx.objectStore('chunks').put(chunk(run.id, checkPath(f.path), 0, ownBytes(f.data)));
      },
      true,
    );
  }

  /** Bytes a run's files take. */
  async runBytes(id: string): Promise<number> {
    return (await this.fileSizes(id)).reduce((n, f) => n + f.bytes, 0);
  }

  /** Every file of a run with its size, sorted by path: summed from the chunk sizes' index, no data is read. */
  async fileSizes(id: string): Promise<FileSize[]> {
    const sizes = new Map<string, number>();
    const index = this.db.transaction('chunks').store.index('sizes');
    for (let c = await index.openKeyCursor(runRange(id)); c; c = await c.continue()) {
      const [, path, , size] = c.key;
      sizes.set(path, (sizes.get(path) ?? 0) + size);
    }
    return [...sizes].map(([path, n]) => ({ path, bytes: n })).sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** The stored GPU profile of an adapter, as stored (undefined when none is). */
  gpuProfile(adapter: string): Promise<unknown> {
    return this.db.get('gpu', adapter);
  }

  /** Stores an adapter's GPU profile (plain data), replacing any. */
  async putGpuProfile(adapter: string, profile: unknown): Promise<void> {
    await this.db.put('gpu', profile, adapter);
  }

  /** The run's artifact tree as an ArtifactStore. */
  store(runId: string): ArtifactStore {
    return new IdbRunStore(this, this.db, runId);
  }
}

/** One run's files in IndexedDB. */
class IdbRunStore implements ArtifactStore {
  constructor(
    private readonly kiln: KilnDb,
    private readonly db: IDBPDatabase<KilnSchema>,
    private readonly runId: string,
  ) {}

  write(path: string, data: Uint8Array | string): Promise<void> {
    return this.commit({ write: [{ path, data }] });
  }

  async append(path: string, text: string): Promise<void> {
    checkPath(path);
    await this.kiln.write(path, async (tx) => {
      const chunks = tx.objectStore('chunks');
      const last = await chunks.openCursor(fileRange(this.runId, path), 'prev');
      await chunks.put(chunk(this.runId, path, last ? last.value.seq + 1 : 0, encoder.encode(text)));
    });
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const parts = await this.db.getAll('chunks', fileRange(this.runId, checkPath(path)));
    if (!parts.length) return undefined;
    if (parts.length === 1) return parts[0].data;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.data.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p.data, at);
      at += p.data.byteLength;
    }
    return out;
  }

  async list(prefix = ''): Promise<string[]> {
    const keys = await this.db.getAllKeys('chunks', runRange(this.runId));
    // Every file has a chunk 0: its first write or append.
    return keys
      .filter(([, path, seq]) => seq === 0 && path.startsWith(prefix))
      .map(([, path]) => path)
      .sort();
  }

  delete(path: string): Promise<void> {
    return this.commit({ delete: [path] });
  }

  /**
   * Writes and deletes in one strict transaction. Checkpoint records also update the run's
   * checkpoint list in it, so the runs list never names a checkpoint that is not all there.
   */
  async commit(batch: StoreBatch): Promise<void> {
    const writes = (batch.write ?? []).map((f) => ({ path: checkPath(f.path), data: bytes(f.data) }));
    const deletes = (batch.delete ?? []).map(checkPath);
    const touched = [...writes.map((w) => w.path), ...deletes];
    const what = touched.length === 1 ? touched[0] : `${touched.length} files (${touched.join(', ')})`;
    await this.kiln.write(
      what,
      async (tx) => {
        const chunks = tx.objectStore('chunks');
        for (const w of writes) {
          await chunks.delete(fileRange(this.runId, w.path));
          await chunks.put(chunk(this.runId, w.path, 0, w.data));
        }
        for (const p of deletes) await chunks.delete(fileRange(this.runId, p));
        const saved = writes.flatMap((w) => (CHECKPOINT.exec(w.path)?.[1] === 'model' ? [Number(CHECKPOINT.exec(w.path)![2])] : []));
        const gone = deletes.flatMap((p) => (CHECKPOINT.exec(p) ? [Number(CHECKPOINT.exec(p)![2])] : []));
        if (!saved.length && !gone.length) return;
        const runs = tx.objectStore('runs');
        const run = await runs.get(this.runId);
        if (!run) return;
        const kept = new Set(run.checkpoints);
        saved.forEach((e) => kept.add(e));
        gone.forEach((e) => kept.delete(e));
        await runs.put({ ...run, checkpoints: [...kept].sort((a, b) => a - b), updatedAt: Date.now() });
      },
      writes.some((w) => CHECKPOINT.test(w.path)) || deletes.some((p) => CHECKPOINT.test(p)),
    );
  }
}

/** The bytes in a buffer of their own (a copy only when they view a larger buffer). */
function ownBytes(data: Uint8Array): Uint8Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}
