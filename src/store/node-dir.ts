import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkPath, commitInOrder, type ArtifactStore, type StoreBatch } from './base';

/** Temporary files of in-flight writes: named so no artifact path can look like one. */
const TMP = /\.~kiln-\d+-\d+\.tmp$/;
let writes = 0;

/** An ArtifactStore on a real directory (Node): the CLI's and tests' artifact folder. */
export class DirectoryStore implements ArtifactStore {
  constructor(readonly root: string) {}

  private abs(p: string): string {
    return path.join(this.root, checkPath(p));
  }

  async write(p: string, data: Uint8Array | string): Promise<void> {
    const target = this.abs(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Write beside the target and rename: rename is atomic, so a crash never leaves half a file.
    const tmp = `${target}.~kiln-${process.pid}-${writes++}.tmp`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  }

  async append(p: string, text: string): Promise<void> {
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
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
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
    await walk('');
    return out.filter((p) => p.startsWith(prefix)).sort();
  }

  async delete(p: string): Promise<void> {
    await fs.rm(this.abs(p), { force: true });
  }

  commit(batch: StoreBatch): Promise<void> {
    return commitInOrder(this, batch);
  }
}
