import * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry, MetricMetadata, Split, StepOutput } from '../metric/base';
import type { MetricLogger } from '../logger/base';
import { epochMean } from '../logger/base';
import type { MetricsRenderer, TrainingProgress } from '../renderer/base';
import type { PendingStats, StatsFn } from '../step/base';
import type { MetricHistory } from './history';

/** A metric as registered with the builder; numeric ones are plotted. */
export interface RegisteredMetric {
  readonly metric: Metric;
  readonly numeric: boolean;
}

interface Pending {
  readonly split: Split;
  readonly stats: PendingStats;
  readonly sizes: readonly number[];
  readonly meta: MetricMetadata;
  readonly progress: TrainingProgress;
  readonly batchSize: number;
}

/**
 * Routes each iteration to metrics, loggers and the renderer (Burn's event processor). Metric
 * statistics arrive asynchronously; at most `lag` iterations are in flight, and they are
 * processed strictly in order, so the logs read as if every value were read at once.
 */
export class EventProcessor {
  private readonly queue: Pending[] = [];
  private readonly lastSizes: Record<Split, number[]> = { train: [], valid: [] };

  constructor(
    private readonly metrics: Record<Split, readonly RegisteredMetric[]>,
    private readonly loggers: Record<Split, MetricLogger>,
    private readonly renderer: MetricsRenderer,
    readonly history: MetricHistory,
    private readonly lag = 4,
  ) {}

  /** The function the step engine calls to build one split's statistics tensor. */
  statsFn(split: Split): StatsFn {
    return (out: StepOutput) => {
      const parts: tf.Tensor[] = [];
      this.lastSizes[split] = this.metrics[split].map(({ metric }) => {
        const s = metric.stats(out);
        if (s) parts.push(s.reshape([-1]).toFloat());
        return s ? s.size : 0;
      });
      return parts.length ? tf.concat(parts) : null;
    };
  }

  /** Tells the renderer the loop holds (or goes on) at a pause. */
  paused(paused: boolean): void {
    this.renderer.paused?.(paused);
  }

  /** Starts an epoch in both loggers. */
  async beginEpoch(epoch: number): Promise<void> {
    await Promise.all([this.loggers.train.beginEpoch(epoch), this.loggers.valid.beginEpoch(epoch)]);
  }

  /** Queues an iteration; waits for the oldest one once more than `lag` are in flight. */
  async push(split: Split, stats: PendingStats, meta: MetricMetadata, progress: TrainingProgress, batchSize: number): Promise<void> {
    this.queue.push({ split, stats, sizes: this.lastSizes[split], meta, progress, batchSize });
    while (this.queue.length > this.lag) await this.processOldest();
  }

  /** Processes every queued iteration. */
  async drain(): Promise<void> {
    while (this.queue.length) await this.processOldest();
  }

  private async processOldest(): Promise<void> {
    const item = this.queue[0];
    const values = item.stats ? await item.stats : null;
    this.queue.shift();
    let offset = 0;
    const entries: MetricEntry[] = [];
    const numeric: boolean[] = [];
    this.metrics[item.split].forEach(({ metric, numeric: isNumeric }, i) => {
      const n = item.sizes[i] ?? 0;
      entries.push(metric.update(n && values ? values.subarray(offset, offset + n) : null, item.batchSize, item.meta));
      numeric.push(isNumeric);
      offset += n;
    });
    this.loggers[item.split].log(entries, item.meta.epoch);
    this.renderer.update(item.split, item.progress, entries.map((entry, i) => ({ entry, numeric: numeric[i] })));
  }

  /** Ends an epoch: flushes logs, records epoch means in the history, clears metric state. */
  async endEpoch(epoch: number): Promise<void> {
    await this.drain();
    for (const split of ['train', 'valid'] as const) {
      await this.loggers[split].flush();
      for (const { metric } of this.metrics[split]) {
        const mean = epochMean(await this.loggers[split].readNumeric(metric.name, epoch));
        if (mean !== undefined) this.history.record(split, metric.name, epoch, mean);
        metric.clear();
      }
    }
  }

  /** Rebuilds the history of epochs 1..epoch from the loggers (resume). */
  async restoreHistory(epoch: number): Promise<void> {
    for (let e = 1; e <= epoch; e++) {
      for (const split of ['train', 'valid'] as const) {
        for (const { metric } of this.metrics[split]) {
          const mean = epochMean(await this.loggers[split].readNumeric(metric.name, e));
          if (mean !== undefined) this.history.record(split, metric.name, e, mean);
        }
      }
    }
  }
}
