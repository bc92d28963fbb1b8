import type { LrScheduler, SchedulerRecord } from './base';
import { parseSchedulerConfig, type SchedulerConfig, type SchedulerConfigInput } from './config';
import { lrAt } from './schedulers';

/** A scheduler driven by a validated config; its only state is the step counter. */
export class ConfiguredScheduler implements LrScheduler {
  private stepCount = 0;

  constructor(readonly config: SchedulerConfig) {}

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.stepCount;
  }

  /** The learning rate for the next optimizer step. */
  current(): number {
    return lrAt(this.config, this.stepCount);
  }

  /** Advances one step and returns the learning rate for it. */
  next(): number {
    const lr = this.current();
    this.stepCount++;
    return lr;
  }

  /** The state to save. */
  save(): SchedulerRecord {
    return { config: this.config, step: this.stepCount };
  }

  /** Restores; a record from another schedule would silently change the run, so it throws instead. */
  load(record: SchedulerRecord): void {
    const saved = stableJson(record.config);
    const mine = stableJson(this.config);
    if (saved !== mine) {
      throw new Error(`scheduler record is for schedule ${saved}, this scheduler is ${mine}`);
    }
    if (!Number.isInteger(record.step) || record.step < 0) {
      throw new Error(`scheduler record has an invalid step ${record.step}`);
    }
    this.stepCount = record.step;
  }
}

/** Makes a scheduler from a schedule config, or a constant one from a bare number. */
export function createScheduler(config: SchedulerConfigInput | number): LrScheduler {
  const input: SchedulerConfigInput = typeof config === 'number' ? { type: 'constant', lr: config } : config;
  return new ConfiguredScheduler(parseSchedulerConfig(input));
}

/** JSON with sorted keys: a record decoded from a checkpoint need not keep the key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
