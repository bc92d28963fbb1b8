import type { Split } from '../metric/base';
import type { LearnerSummary } from '../learner/summary';
import { formatSummary } from '../learner/summary';
import type { MetricState, MetricsRenderer, TrainingProgress } from './base';
import { EtaTracker, formatEta } from './eta';
import { fitDone, formatDuration, itemsPerSecond } from './progress';

/** Where the console renderer writes; `isTTY` picks a live line over plain lines. */
export interface ConsoleSink {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns?: number;
}

/**
 * Progress in a terminal: one live line (epoch, iteration, bar, items/s, the epoch's ETA, the run's
 * time left as the studio estimates it, metrics) when the sink is a TTY; otherwise a plain line
 * every `plainEveryMs` and at every epoch's end, so logs in CI stay readable.
 */
export class ConsoleRenderer implements MetricsRenderer {
  private readonly start = Date.now();
  private readonly eta = new EtaTracker();
  private lastPlain = 0;
  private live = false;

  constructor(
    private readonly sink: ConsoleSink,
    private readonly plainEveryMs = 5000,
  ) {}

  update(split: Split, p: TrainingProgress, metrics: readonly MetricState[]): void {
    const rate = itemsPerSecond(p);
    const epochEta = (p.itemsTotal - p.itemsProcessed) / rate;
    const frac = p.itemsProcessed / p.itemsTotal;
    const values = metrics
      .filter((m) => m.entry.name !== 'Iteration Speed')
      .map((m) => `${m.entry.name} ${m.entry.running.toFixed(4)}`)
      .join(' ');
    const head = `[${split}] epoch ${p.epoch}/${p.epochTotal} iter ${p.iteration}/${p.iterationsTotal}`;
    if (split === 'train') this.eta.add((Date.now() - this.start) / 1000, fitDone(p));
    const tail = `${rate.toFixed(0)} items/s ETA ${formatDuration(epochEta)}${split === 'train' ? ` (run: ${this.runLeft()})` : ''}`;
    if (this.sink.isTTY) {
      const width = 20;
      const filled = Math.round(frac * width);
      const line = `${head} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${(frac * 100).toFixed(0)}% ${tail} | ${values}`;
      this.sink.write(`\r\x1b[2K${line.slice(0, (this.sink.columns ?? 160) - 1)}`);
      this.live = true;
    } else if (Date.now() - this.lastPlain >= this.plainEveryMs || p.itemsProcessed === p.itemsTotal) {
      this.lastPlain = Date.now();
      this.sink.write(`${head} ${(frac * 100).toFixed(0)}% ${tail} | ${values}\n`);
    }
  }

  /** Time left for the whole fit, as the studio says it (the pace after the first steps, with a range). */
  private runLeft(): string {
    const eta = this.eta.estimate();
    return eta ? formatEta(eta) : 'measuring the pace';
  }

  private newline(): void {
    if (this.live) this.sink.write('\n');
    this.live = false;
  }

  epochEnd(epoch: number, means: Record<Split, Record<string, number>>): void {
    this.newline();
    const fmt = (m: Record<string, number>) =>
      Object.entries(m)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join(', ');
    this.sink.write(
      `epoch ${epoch} ended, ${formatDuration((Date.now() - this.start) / 1000)} elapsed | train: ${fmt(means.train)} | valid: ${fmt(means.valid)}\n`,
    );
  }

  log(line: string): void {
    this.newline();
    this.sink.write(`${line}\n`);
  }

  end(summary: LearnerSummary | undefined, reason: string): void {
    this.newline();
    this.sink.write(`Training ended: ${reason}\n`);
    if (summary) this.sink.write(`${formatSummary(summary)}\n`);
  }
}

/** A renderer that shows nothing (tests, quiet runs). */
export class NoopRenderer implements MetricsRenderer {
  update(): void {}
  epochEnd(): void {}
  log(): void {}
  end(): void {}
}
