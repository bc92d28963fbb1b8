import type { ArtifactStore } from '../../store/base';
import type { Checkpointer } from './base';
import type { BurnPlacement } from './burn/record';
import { decodeRecord, encodeRecord, encodeRecordInTurns, type Record, type RecordKind } from './record';

const pattern = (kind: string) => new RegExp(`^checkpoint/${kind}-(\\d+)\\.mpk\\.gz$`);

/** Writes `checkpoint/<kind>-<epoch>.mpk.gz` into an ArtifactStore (Burn's FileCheckpointer). */
export class FileCheckpointer<P> implements Checkpointer<P> {
  constructor(
    private readonly store: ArtifactStore,
    readonly kind: RecordKind,
  ) {}

  /** The file a record of `epoch` lives in. */
  path(epoch: number): string {
    return `checkpoint/${this.kind}-${epoch}.mpk.gz`;
  }

  async save(epoch: number, record: Record<P>, placement: BurnPlacement): Promise<void> {
    await this.store.write(this.path(epoch), encodeRecord(record, placement));
  }

  /** The file a save would write, for saving several records in one commit; `turn` is awaited between pieces of the work. */
  async encode(epoch: number, record: Record<P>, placement: BurnPlacement, turn: () => Promise<void>): Promise<{ path: string; data: Uint8Array }> {
    return { path: this.path(epoch), data: await encodeRecordInTurns(record, placement, turn) };
  }

  /** The record of `epoch`, unpacked to at most `maxBytes` (by default the kind's RECORD_LIMITS). */
  async restore(epoch: number, maxBytes?: number): Promise<Record<P>> {
    const p = this.path(epoch);
    const bytes = await this.store.read(p);
    if (!bytes) throw new Error(`${p}: no such checkpoint record`);
    return decodeRecord<P>(bytes, p, this.kind, maxBytes);
  }

  async delete(epoch: number): Promise<void> {
    await this.store.delete(this.path(epoch));
  }

  async epochs(): Promise<number[]> {
    const re = pattern(this.kind);
    const files = await this.store.list('checkpoint/');
    return files.flatMap((f) => (re.test(f) ? [Number(re.exec(f)![1])] : [])).sort((a, b) => a - b);
  }
}
