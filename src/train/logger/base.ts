import type { MetricEntry } from '../metric/base';

/** One numeric line of a metric log: the batch value and the items it stands for. */
export interface NumericValue {
  readonly value: number;
  readonly count: number;
}

/** Receives every iteration's metric entries for one split (Burn's MetricLogger). */
export interface MetricLogger {
  /** Starts an epoch: a resumed run replaces whatever an interrupted one left for it. */
  beginEpoch(epoch: number): Promise<void>;
  /** Logs one iteration's entries. */
  log(entries: readonly MetricEntry[], epoch: number): void;
  /** Writes everything logged so far. */
  flush(): Promise<void>;
  /** The values logged for a metric in an epoch, in order (for summaries and resume). */
  readNumeric(name: string, epoch: number): Promise<NumericValue[]>;
}

/** Weighted mean of an epoch's values: the epoch aggregate Burn's summary reports. */
export function epochMean(values: readonly NumericValue[]): number | undefined {
  if (!values.length) return undefined;
  // Summing deviations from the first value keeps a constant series (a learning rate) exact.
  const base = values[0].value;
  let sum = 0;
  let count = 0;
  for (const v of values) {
    sum += (v.value - base) * v.count;
    count += v.count;
  }
  return count > 0 ? base + sum / count : undefined;
}
