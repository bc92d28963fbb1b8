import type { ArtifactStore } from '../../store/base';
import { readText } from '../../store/base';
import type { MetricEntry, Split } from '../metric/base';
import { metricFileName } from '../metric/base';
import type { MetricLogger, NumericValue } from './base';
import { formatLine, parseLines } from './format';

/**
 * Writes `<split>/epoch-N/<Metric>.log` into an ArtifactStore, one line per iteration
 * (Burn's FileMetricLogger). Lines are buffered and appended in batches: one write per file
 * every `flushMs`, at epoch end and on flush(), instead of one per line.
 */
export class FileMetricLogger implements MetricLogger {
  private pending = new Map<string, string>();
  private lastFlush = 0;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    private readonly store: ArtifactStore,
    readonly split: Split,
    private readonly flushMs = 1000,
  ) {}

  private path(name: string, epoch: number): string {
    return `${this.split}/epoch-${epoch}/${metricFileName(name)}`;
  }

  /**
   * Deletes what an interrupted run left for the epoch, queued behind the lines logged so far and
   * before the epoch's own (the last epoch's lines may still be coming): nothing waits for it here.
   */
  async beginEpoch(epoch: number): Promise<void> {
    void this.startWrite();
    this.chain(async () => {
      const stale = await this.store.list(`${this.split}/epoch-${epoch}/`);
      await Promise.all(stale.map((p) => this.store.delete(p)));
    });
  }

  log(entries: readonly MetricEntry[], epoch: number): void {
    for (const e of entries) {
      const p = this.path(e.name, epoch);
      this.pending.set(p, (this.pending.get(p) ?? '') + formatLine(e));
    }
    const now = Date.now();
    if (now - this.lastFlush >= this.flushMs) {
      this.lastFlush = now;
      void this.startWrite(); // errors surface at the next flush()
    }
  }

  /**
   * Chains a write of the pending lines after the previous one, so lines never reorder. A failed
   * write is remembered for the next flush() to throw; later writes still go ahead.
   */
  private startWrite(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    return this.chain(() => Promise.all([...batch].map(([p, text]) => this.store.append(p, text))));
  }

  /** Runs `work` after everything chained before it; a failure is kept for the next flush(). */
  private chain(work: () => Promise<unknown>): Promise<void> {
    this.writing = this.writing.then(work).then(
      () => undefined,
      (e: Error) => void (this.failure ??= e),
    );
    return this.writing;
  }

  async flush(): Promise<void> {
    await this.startWrite();
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
  }

  async readNumeric(name: string, epoch: number): Promise<NumericValue[]> {
    await this.flush();
    const p = this.path(name, epoch);
    const text = await readText(this.store, p);
    return text === undefined ? [] : parseLines(text, p);
  }
}
