import type { ChartData, LineKey } from './rows';

/**
 * A chart's latest data, outside React's state: the live layer subscribes to it and redraws alone,
 * so a new snapshot never re-renders the recharts chart around it.
 */
export class LiveData {
  private static count = 0;
  /** Unique on the page (the chart's clip path). */
  readonly id = ++LiveData.count;
  private data: ChartData | null = null;
  private readonly listeners = new Set<() => void>();

  get = (): ChartData | null => this.data;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(data: ChartData): void {
    this.data = data;
    for (const l of this.listeners) l();
  }
}

/** The axes' ranges the light chart draws in. */
export interface Frame {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

/** 1, 2 or 5 times a power of ten, at least `v`. */
function niceCeil(v: number): number {
  if (v <= 0) return 0;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v * (1 - 1e-12)) ?? 10) * p;
}

/** A round step for a span: about a fifth of it, 1, 2 or 5 times a power of ten. */
const step = (span: number) => niceCeil(span / 5);

/**
 * The frame for the drawn lines (hidden ones left out): x from 0 to a round number past the last
 * point, y padded to round steps (on a log axis, to powers of ten). Round edges change seldom, so
 * the ticks hold still while the lines grow.
 */
export function frameOf(data: ChartData, hidden: ReadonlySet<LineKey>, logY: boolean): Frame | null {
  let x1 = -Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  const shown = data.lines.filter((k) => !hidden.has(k));
  for (const r of data.rows) {
    x1 = Math.max(x1, r.x);
    for (const k of shown) {
      const v = r[k];
      if (v === undefined) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(x1)) return null;
  const x: [number, number] = [0, niceCeil(Math.max(x1, 1))];
  if (logY) return { x, y: [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi) + 1e-12)] };
  const s = step(Math.max(hi - lo, Math.abs(hi) * 0.05, 1e-12));
  const y0 = Math.floor(lo / s) * s;
  const y1 = Math.ceil(hi / s) * s;
  return { x, y: [y0, y1 > y0 ? y1 : y0 + s] };
}

/**
 * Whether the user is reading a chart (the pointer or the focus on one): then every chart is
 * drawn by recharts, so their cursors move together; a release waits a moment, so that moving
 * from one chart to the next does not redraw them all twice.
 */
class Reading {
  private holders = new Set<object>();
  private on = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<() => void>();

  get = (): boolean => this.on;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  hold(who: object, held: boolean): void {
    if (held) this.holders.add(who);
    else this.holders.delete(who);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.holders.size) this.set(true);
    else this.timer = setTimeout(() => this.set(false), 300);
  }

  private set(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    for (const l of this.listeners) l();
  }
}

/** The studio's charts' one reading state. */
export const reading = new Reading();
