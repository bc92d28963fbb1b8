import type { CheckpointingStrategy } from './base';

/** Keeps the checkpoints of the last n epochs (Burn's KeepLastNCheckpoints). */
export class KeepLastNCheckpoints implements CheckpointingStrategy {
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`keep last n checkpoints: n must be ≥ 1, got ${n}`);
  }

  keep(epoch: number): number[] {
    const out: number[] = [];
    for (let e = Math.max(1, epoch - this.n + 1); e <= epoch; e++) out.push(e);
    return out;
  }
}
