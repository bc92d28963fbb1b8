import type { SchedulerConfig } from './config';

/** A scheduler's state as plain data (goes into checkpoint/scheduler-N.mpk.gz). */
export interface SchedulerRecord {
  config: SchedulerConfig;
  step: number;
}

/** Gives the learning rate for each optimizer step; the rate is a pure function of config and step. */
export interface LrScheduler {
  /** The validated schedule, defaults filled in. */
  readonly config: SchedulerConfig;
  /** Optimizer steps taken so far. */
  readonly step: number;
  /** The learning rate for the next optimizer step (pure function of config and step). */
  current(): number;
  /** Advances one optimizer step and returns the learning rate to use for it (= current() before advancing). */
  next(): number;
  /** The state to save. */
  save(): SchedulerRecord;
  /** Restores; throws an Error naming both configs if record.config differs from this.config. */
  load(record: SchedulerRecord): void;
}
