import type { TrainingProgress } from './base';

/** Items per second of the current split's epoch so far. */
export function itemsPerSecond(p: TrainingProgress): number {
  return p.itemsProcessed / Math.max(p.elapsedMs / 1000, 1e-3);
}

/** Seconds left in the fit from the pace so far (train progress; epochs counted from `epochStart`). */
export function runEtaSeconds(p: TrainingProgress, fitElapsedMs: number): number {
  const epochs = p.epochTotal - p.epochStart + 1;
  const done = p.epoch - p.epochStart + p.itemsProcessed / p.itemsTotal;
  return done > 0 ? (fitElapsedMs / 1000 / done) * (epochs - done) : Infinity;
}
