import type { MetricHistory } from '../../learner/history';

/** What the checkpointer should do after an epoch (Burn's CheckpointingAction). */
export type CheckpointingAction = { type: 'save'; epoch: number } | { type: 'delete'; epoch: number };

/**
 * Decides which checkpoints exist (Burn's CheckpointingStrategy), as a pure function of the
 * metric history: so the decision survives a resume, where a stateful strategy would forget.
 */
export interface CheckpointingStrategy {
  /** The epochs whose checkpoints should exist once `epoch` has ended. */
  keep(epoch: number, history: MetricHistory): number[];
}

/** Turns a strategy's decision into actions against the checkpoints that exist now. */
export function checkpointingActions(
  strategy: CheckpointingStrategy,
  epoch: number,
  history: MetricHistory,
  existing: readonly number[],
): CheckpointingAction[] {
  const keep = new Set(strategy.keep(epoch, history));
  const actions: CheckpointingAction[] = [];
  if (keep.has(epoch)) actions.push({ type: 'save', epoch });
  for (const e of existing) if (e !== epoch && !keep.has(e)) actions.push({ type: 'delete', epoch: e });
  return actions;
}
