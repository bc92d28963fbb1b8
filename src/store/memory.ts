import { checkPath, commitInOrder, type ArtifactStore, type StoreBatch } from './base';

const encoder = new TextEncoder();

/** An ArtifactStore in a Map: tests and throwaway runs. */
export class MemoryStore implements ArtifactStore {
  private readonly files = new Map<string, Uint8Array>();

  async write(path: string, data: Uint8Array | string): Promise<void> {
    this.files.set(checkPath(path), typeof data === 'string' ? encoder.encode(data) : data.slice());
  }

  async append(path: string, text: string): Promise<void> {
    const old = this.files.get(checkPath(path));
    const add = encoder.encode(text);
    if (!old) return void this.files.set(path, add);
    const joined = new Uint8Array(old.length + add.length);
    joined.set(old);
    joined.set(add, old.length);
    this.files.set(path, joined);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    return this.files.get(checkPath(path))?.slice();
  }

  async list(prefix = ''): Promise<string[]> {
    return [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  async delete(path: string): Promise<void> {
    this.files.delete(checkPath(path));
  }

  commit(batch: StoreBatch): Promise<void> {
    return commitInOrder(this, batch);
  }
}
