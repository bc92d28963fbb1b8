import type * as tf from '@tensorflow/tfjs';
import type { Metric, MetricEntry, MetricMetadata, Split, StepOutput } from '../metric/base';
import type { MetricLogger, NumericValue } from '../logger/base';
import { epochMean } from '../logger/base';
import type { MetricsRenderer, TrainingProgress } from '../renderer/base';
import type { StatsFn } from '../step/base';
import type { MetricHistory } from './history';
import { slotLanded, type StatsSlot, type StatsSource } from '../step/stats';
import { LossMetric } from '../metric/loss';
import { StatsReader } from './stats-reader';
import type { OnNonFinite } from './non-finite';

/** A metric as registered with the builder; numeric ones are plotted. */
export interface RegisteredMetric {
  readonly metric: Metric;
  readonly numeric: boolean;
}

interface Pending {
  readonly kind: 'step';
  readonly split: Split;
  readonly slot: StatsSlot;
  readonly sizes: readonly number[];
  readonly meta: MetricMetadata;
  readonly progress: TrainingProgress;
  readonly batchSize: number;
}

/** An epoch's mean of each metric, per split. */
export type EpochMeans = Record<Split, Record<string, number>>;

/** What an epoch's end found, once every iteration queued before it was processed. */
export interface EpochEnded {
  /** Where the loss first went NaN or infinite, up to this epoch's end (with 'stop'); null while finite. */
  readonly diverged: string | null;
  /** The means recorded in the history for this epoch. */
  readonly means: EpochMeans;
}

/** An epoch's end, queued behind its iterations: processed in order, before the next epoch's. */
interface EndMarker {
  readonly kind: 'end';
  readonly epoch: number;
  readonly ended: (result: EpochEnded) => void;
  readonly abandoned: (why: Error) => void;
}

/**
 * Routes each iteration to metrics, loggers and the renderer (Burn's event processor). Metric
 * statistics come back asynchronously, read in groups (StatsReader); iterations are processed
 * strictly in order as soon as their values are in, and the loop waits only once more than `lag`
 * are in flight, so the logs read as if every value were read at once.
 */
export class EventProcessor {
  private readonly queue: (Pending | EndMarker)[] = [];
  private readonly lastSizes: Record<Split, number[]> = { train: [], valid: [] };
  private reader: StatsSource<unknown> = new StatsReader() as StatsSource<unknown>;
  /** This epoch's logged values per split and metric: the epoch means come from them, not from re-reading the logs. */
  private readonly epochValues: Record<Split, Map<string, NumericValue[]>> = { train: new Map(), valid: new Map() };
  /** Non-finite-loss warnings for the experiment log (`takeWarnings`). */
  private readonly warnings: string[] = [];
  /** Where the loss first went NaN or infinite (with 'stop' the fit stops there, before anything is checkpointed); null while it is finite. */
  diverged: string | null = null;
  /** Iterations whose loss was NaN or infinite in this fit (and, after a resume, in the epochs before it). */
  readonly nonFinite: Record<Split, number> = { train: 0, valid: 0 };

  constructor(
    private readonly metrics: Record<Split, readonly RegisteredMetric[]>,
    private readonly loggers: Record<Split, MetricLogger>,
    private readonly renderer: MetricsRenderer,
    readonly history: MetricHistory,
    private readonly onNonFinite: OnNonFinite = 'stop',
    private readonly lag = 16,
  ) {}

  /** The function the step engine calls to build one split's statistics (1-D float32 parts, concatenated only when read). */
  statsFn(split: Split): StatsFn {
    return (out: StepOutput) => {
      const parts: tf.Tensor[] = [];
      this.lastSizes[split] = this.metrics[split].map(({ metric }) => {
        const s = metric.stats(out);
        if (!s) return 0;
        const flat = s.rank === 1 ? s : s.reshape([-1]);
        parts.push(flat.dtype === 'float32' ? flat : flat.toFloat());
        return s.size;
      });
      return parts;
    };
  }

  /**
   * Reads statistics through an engine's own source from now on (a compiled engine's statistics
   * buffer), with each registered metric's share of a step's values fixed per split.
   */
  useStats(source: StatsSource<unknown>, sizes: Record<Split, number[]>): void {
    this.reader.dispose();
    this.reader = source;
    this.lastSizes.train = sizes.train;
    this.lastSizes.valid = sizes.valid;
  }

  /** The registered metrics of a split, in order (an engine computing statistics itself reads them). */
  registered(split: Split): readonly Metric[] {
    return this.metrics[split].map((m) => m.metric);
  }

  /** Tells the renderer the loop holds (or goes on) at a pause. */
  paused(paused: boolean): void {
    this.renderer.paused?.(paused);
  }

  /** Starts an epoch in both loggers (the last epoch's iterations may still be in flight). */
  async beginEpoch(epoch: number): Promise<void> {
    await Promise.all([this.loggers.train.beginEpoch(epoch), this.loggers.valid.beginEpoch(epoch)]);
  }

  /** Whether as many iterations are in flight as the loop lets run ahead (the device has a backlog of queued steps). */
  get backlogged(): boolean {
    return this.queue.length >= (this.reader.lag ?? this.lag);
  }

  /** Queues an iteration (taking ownership of its stats); handles those whose values are in; waits once more than `lag` are in flight. */
  async push(split: Split, stats: unknown, meta: MetricMetadata, progress: TrainingProgress, batchSize: number): Promise<void> {
    this.queue.push({ kind: 'step', split, slot: this.reader.add(stats), sizes: this.lastSizes[split], meta, progress, batchSize });
    while (this.queue.length && this.landed(this.queue[0])) await this.processOldest();
    while (this.queue.length > (this.reader.lag ?? this.lag)) await this.processOldest();
  }

  /** Processes every queued iteration. */
  async drain(): Promise<void> {
    this.reader.flush();
    while (this.queue.length) await this.processOldest();
  }

  /** Processes every iteration queued before the last epoch end still queued, and that end (not the steps after it). */
  async settle(): Promise<void> {
    while (this.queue.some((item) => item.kind === 'end')) await this.processOldest();
  }

  private landed(item: Pending | EndMarker): boolean {
    return item.kind === 'end' || slotLanded(item.slot);
  }

  private async processOldest(): Promise<void> {
    const item = this.queue[0];
    if (item.kind === 'end') {
      this.queue.shift();
      item.ended(this.finishEpoch(item.epoch));
      return;
    }
    const values = await this.reader.values(item.slot);
    this.queue.shift();
    // An iteration counts as done when its values are in, not when it was queued: a GPU engine
    // runs ahead of its results, and a rate from queue times would count work not yet done.
    const time = performance.now();
    const meta = { ...item.meta, time };
    const progress = { ...item.progress, elapsedMs: time - item.meta.epochStart };
    let offset = item.slot.offset;
    const entries: MetricEntry[] = [];
    const numeric: boolean[] = [];
    this.metrics[item.split].forEach(({ metric, numeric: isNumeric }, i) => {
      const n = item.sizes[i] ?? 0;
      const entry = metric.update(n && values ? values.subarray(offset, offset + n) : null, item.batchSize, meta);
      entries.push(entry);
      numeric.push(isNumeric);
      offset += n;
      if (metric instanceof LossMetric && !Number.isFinite(entry.value) && this.onNonFinite === 'stop') {
        this.diverged ??= `the ${item.split} loss is ${entry.value} at epoch ${meta.epoch}, iteration ${meta.iteration}`;
      }
      const list = this.epochValues[item.split].get(metric.name);
      if (list) list.push({ value: entry.value, count: entry.count });
      else this.epochValues[item.split].set(metric.name, [{ value: entry.value, count: entry.count }]);
    });
    this.loggers[item.split].log(entries, meta.epoch);
    this.renderer.update(
      item.split,
      progress,
      entries.map((entry, i) => ({ entry, numeric: numeric[i] })),
    );
  }

  /**
   * Ends an epoch once every iteration queued so far is processed (the next epoch's steps may be
   * queued behind it meanwhile): records its means in the history, clears metric state, warns of
   * non-finite losses and tells the renderer, in order with the iterations around it.
   */
  endEpoch(epoch: number): Promise<EpochEnded> {
    return new Promise((ended, abandoned) => this.queue.push({ kind: 'end', epoch, ended, abandoned }));
  }

  private finishEpoch(epoch: number): EpochEnded {
    const means: EpochMeans = { train: {}, valid: {} };
    for (const split of ['train', 'valid'] as const) {
      for (const { metric } of this.metrics[split]) {
        const mean = epochMean(this.epochValues[split].get(metric.name) ?? []);
        if (mean !== undefined) {
          this.history.record(split, metric.name, epoch, mean);
          means[split][metric.name] = mean;
        }
        metric.clear();
      }
    }
    // A diverged fit ends here (the learner throws): no warning, no epoch end.
    if (this.diverged) return { diverged: this.diverged, means };
    this.warnNonFinite(epoch);
    for (const split of ['train', 'valid'] as const) this.epochValues[split].clear();
    this.renderer.epochEnd(epoch, means);
    return { diverged: null, means };
  }

  /** Writes every line logged so far. */
  async flushLogs(): Promise<void> {
    await Promise.all([this.loggers.train.flush(), this.loggers.valid.flush()]);
  }

  /**
   * Counts the epoch's iterations whose loss was NaN or infinite, per split, into `nonFinite`, with
   * one warning per split that had any (with 'stop' the fit ends at the first instead): the
   * renderer is told at once, the experiment log by the learner (`takeWarnings`).
   */
  warnNonFinite(epoch: number): void {
    const warnings = (['train', 'valid'] as const).flatMap((split) => {
      const values = this.epochValues[split].get(this.lossName(split) ?? '') ?? [];
      const bad = values.filter((v) => !Number.isFinite(v.value)).length;
      if (!bad) return [];
      this.nonFinite[split] += bad;
      const first = values.findIndex((v) => !Number.isFinite(v.value)) + 1;
      return [
        `the ${split} loss was NaN or infinite in ${bad} of ${values.length} iterations of epoch ${epoch} (first at iteration ${first}); training goes on (on non-finite loss: warn)`,
      ];
    });
    for (const w of warnings) this.renderer.warning?.(w);
    this.warnings.push(...warnings);
  }

  /** The warnings not yet written to the experiment log. */
  takeWarnings(): string[] {
    return this.warnings.splice(0);
  }

  /** The name of a split's loss metric, if one is registered. */
  private lossName(split: Split): string | undefined {
    return this.metrics[split].find((m) => m.metric instanceof LossMetric)?.metric.name;
  }

  /** Rebuilds the history of epochs 1..epoch from the loggers (resume), and the count of non-finite losses in them. */
  async restoreHistory(epoch: number): Promise<void> {
    for (let e = 1; e <= epoch; e++) {
      for (const split of ['train', 'valid'] as const) {
        for (const { metric } of this.metrics[split]) {
          const values = await this.loggers[split].readNumeric(metric.name, e);
          const mean = epochMean(values);
          if (mean !== undefined) this.history.record(split, metric.name, e, mean);
          if (metric.name === this.lossName(split)) this.nonFinite[split] += values.filter((v) => !Number.isFinite(v.value)).length;
        }
      }
    }
  }

  /** A fit that failed: the epoch ends still queued are never reached, and their bookkeeping fails with this. */
  abandon(): void {
    for (const item of this.queue) if (item.kind === 'end') item.abandoned(new Error(`the fit stopped before epoch ${item.epoch} ended`));
  }

  /** Frees statistics still queued (a fit that failed mid-epoch). */
  dispose(): void {
    this.reader.dispose();
  }
}
