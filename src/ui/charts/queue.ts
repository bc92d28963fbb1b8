/**
 * Runs chart updates one at a time, `gapMs` apart, in the order the charts asked. A chart that
 * asks again before its turn keeps its place with the newer update, so while training every chart
 * redraws about once a round and no two charts render in the same task.
 */
export class ChartQueue {
  private readonly pending = new Map<string, () => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = -Infinity;

  constructor(private readonly gapMs = 250) {}

  /** Queues `update` as chart `key`'s next update (replacing one still queued). */
  request(key: string, update: () => void): void {
    this.pending.set(key, update);
    this.timer ??= setTimeout(this.next, Math.max(0, this.last + this.gapMs - performance.now()));
  }

  /** Drops chart `key`'s queued update (the chart is gone). */
  cancel(key: string): void {
    this.pending.delete(key);
  }

  private next = (): void => {
    this.timer = null;
    const first = this.pending.entries().next();
    if (first.done) return;
    const [key, update] = first.value;
    this.pending.delete(key);
    this.last = performance.now();
    update();
    if (this.pending.size) this.timer = setTimeout(this.next, this.gapMs);
  };
}

/**
 * The studio's one queue: all its charts take turns, one every 100 ms (a light chart's redraw
 * costs a few ms; at 250 ms, with two charts each one lagged up to half a second behind training).
 */
export const chartQueue = new ChartQueue(100);
