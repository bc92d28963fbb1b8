import type { BurnPlacement } from './burn/record';
import type { Record } from './record';

/** Saves and restores one kind of record per epoch (Burn's Checkpointer). */
export interface Checkpointer<P> {
  /** Writes the record of `epoch`, its tensors placed in Burn's module tree by `placement`. */
  save(epoch: number, record: Record<P>, placement: BurnPlacement): Promise<void>;
  /** The record of an epoch; throws naming the file when it is missing or unreadable. */
  restore(epoch: number, maxBytes?: number): Promise<Record<P>>;
  delete(epoch: number): Promise<void>;
  /** Epochs that have a record, ascending. */
  epochs(): Promise<number[]>;
}
