import { type Dirent, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkPath, commitInOrder, type ArtifactStore, type StoreBatch } from './base';

/** Temporary files of in-flight writes: named so no artifact path can look like one; group 1 is the writer's pid. */
const TMP = /\.~kiln-(\d+)-\d+\.tmp$/;
let writes = 0;

/** An ArtifactStore on a real directory (Node): the CLI's and tests' artifact folder. */
export class DirectoryStore implements ArtifactStore {
  /** Removal of temporary files that killed writers left, started when the store opens. */
  private readonly swept: Promise<void>;

  constructor(readonly root: string) {
    this.swept = sweepStaleTemps(root).then(
      () => undefined,
      () => undefined, // a folder we cannot clean is still usable
    );
  }

  private abs(p: string): string {
    return path.join(this.root, checkPath(p));
  }

  async write(p: string, data: Uint8Array | string): Promise<void> {
    await this.swept;
    const target = this.abs(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Write beside the target and rename: rename is atomic, so a crash never leaves half a file.
    const tmp = `${target}.~kiln-${process.pid}-${writes++}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  }

  async append(p: string, text: string): Promise<void> {
    await this.swept;
    const target = this.abs(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.appendFile(target, text);
  }

  async read(p: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await fs.readFile(this.abs(p)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async list(prefix = ''): Promise<string[]> {
    await this.swept;
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(path.join(this.root, dir), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const e of entries) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(rel);
        else if (!TMP.test(e.name)) out.push(rel);
      }
    };
    // From the deepest folder the prefix names: listing 'checkpoint/' at each epoch's end must not
    // walk every epoch's metric folders (a long run has thousands of files).
    const slash = prefix.lastIndexOf('/');
    await walk(slash > 0 ? prefix.slice(0, slash) : '');
    return out.filter((p) => p.startsWith(prefix)).sort();
  }

  async delete(p: string): Promise<void> {
    await fs.rm(this.abs(p), { force: true });
  }

  commit(batch: StoreBatch): Promise<void> {
    return commitInOrder(this, batch);
  }
}

/** Whether a process of that id is alive (signal 0 only asks; EPERM means it lives under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes our own temporary files (`*.~kiln-<pid>-<n>.tmp`) under `root` whose writer is gone: a
 * killed run leaves them between write and rename. A live writer's, this process's included, are
 * left alone, and nothing else is touched.
 */
export async function sweepStaleTemps(root: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      const pid = e.isFile() ? Number(TMP.exec(e.name)?.[1] ?? 0) : 0;
      if (pid > 0 && pid !== process.pid && !alive(pid)) {
        await fs.rm(full, { force: true });
        removed.push(path.relative(root, full));
      }
    }
  };
  await walk(root);
  return removed;
}
