import { formatDuration } from './progress';

/** Seconds left in a fit: the estimate, and the range it is likely in. */
export interface Eta {
  readonly seconds: number;
  readonly low: number;
  readonly high: number;
}

/** A moment of a fit: seconds since it started, and the fraction of its training done (0–1). */
export interface EtaSample {
  readonly t: number;
  readonly done: number;
}

/** When an estimate is worth showing, and how it is smoothed. */
export interface EtaOptions {
  /** Samples left out at the start: the first steps carry kernel compilation and uploads, not the run's pace. */
  readonly warmup: number;
  /** Samples after the warm-up before anything is said. */
  readonly minSamples: number;
  /** Seconds of steady training measured before anything is said. */
  readonly minSeconds: number;
  /** Samples closer together than this (seconds) are one sample. */
  readonly spacing: number;
  /** The recent pace is measured over the last `recent` of the measured span (at least `minSeconds`). */
  readonly recent: number;
  /** The range is widened by this fraction each side, for what the pace so far cannot show (a slower epoch end). */
  readonly margin: number;
  /** And by up to this much more while less than `settle` seconds were measured (a pace still changing as code warms up). */
  readonly early: number;
  readonly settle: number;
}

const DEFAULTS: EtaOptions = { warmup: 3, minSamples: 5, minSeconds: 2, spacing: 0.2, recent: 0.25, margin: 0.1, early: 0.4, settle: 10 };

/**
 * Estimates the time left from two paces measured after the warm-up: the pace over everything
 * since (steady, slow to move) and the recent pace (quick to follow a change). The estimate is
 * their mean, the range spans both, widened by `margin` (more in the first `settle` seconds). Null until `minSamples` samples over
 * `minSeconds` were measured after the warm-up.
 */
export function estimateEta(reference: EtaSample, recent: readonly EtaSample[], o: EtaOptions = DEFAULTS): Eta | null {
  const now = recent.at(-1);
  if (!now || recent.length < o.minSamples || now.t - reference.t < o.minSeconds || now.done <= reference.done) return null;
  const left = Math.max(0, 1 - now.done);
  const steady = (now.t - reference.t) / (now.done - reference.done);
  const window = Math.max(o.minSeconds, (now.t - reference.t) * o.recent);
  const from = recent.find((s) => s.t >= now.t - window && s.done < now.done) ?? reference;
  const lately = now.done > from.done ? (now.t - from.t) / (now.done - from.done) : steady;
  const margin = o.margin + o.early * Math.max(0, 1 - (now.t - reference.t) / o.settle);
  return {
    seconds: (left * (steady + lately)) / 2,
    low: left * Math.min(steady, lately) * (1 - margin),
    high: left * Math.max(steady, lately) * (1 + margin),
  };
}

/**
 * Collects a fit's samples for {@link estimateEta}: leaves out the warm-up, keeps the first sample
 * after it as the reference and the recent ones (thinned to one per `spacing`, the newest always).
 */
export class EtaTracker {
  private seen = 0;
  private reference: EtaSample | null = null;
  private readonly samples: EtaSample[] = [];

  constructor(private readonly o: EtaOptions = DEFAULTS) {}

  /** A training step ended at `t` seconds with `done` of the fit's training done. */
  add(t: number, done: number): void {
    if (++this.seen <= this.o.warmup) return;
    if (!this.reference) {
      this.reference = { t, done };
      return;
    }
    // The newest sample is always the last; the ones before it are `spacing` apart at least.
    const before = this.samples.at(-2);
    if (before && this.samples.length > 1 && this.samples.at(-1)!.t - before.t < this.o.spacing) this.samples[this.samples.length - 1] = { t, done };
    else this.samples.push({ t, done });
    const keepFrom = t - Math.max(this.o.minSeconds, (t - this.reference.t) * this.o.recent) - this.o.spacing;
    let drop = 0;
    while (drop < this.samples.length - this.o.minSamples && this.samples[drop].t < keepFrom) drop++;
    if (drop) this.samples.splice(0, drop);
  }

  /** The estimate now, or null while it is not yet known. */
  estimate(): Eta | null {
    return this.reference ? estimateEta(this.reference, this.samples, this.o) : null;
  }
}

/** Rounds seconds to a step that suits their size: 5 s under two minutes, 10 s under ten, then minutes. */
function step(seconds: number): number {
  return seconds < 120 ? 5 : seconds < 600 ? 10 : 60;
}

/** "about 1:20 left (1:10–1:30)"; "a few seconds left" at the end. */
export function formatEta(eta: Eta): string {
  if (eta.high < 10) return 'a few seconds left';
  const s = step(eta.seconds);
  const round = (v: number, f: (x: number) => number) => f(v / s) * s;
  const about = formatDuration(round(eta.seconds, Math.round));
  const low = formatDuration(round(eta.low, Math.floor));
  const high = formatDuration(round(eta.high, Math.ceil));
  return low === high ? `about ${about} left` : `about ${about} left (${low}–${high})`;
}
