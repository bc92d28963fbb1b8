import type { BackendProbe, MetricPoint, MetricSeries, Progress, RunPhase, RunState, SplitSeries, WorkerEvent } from '../protocol/index';

export type { MetricSeries, SplitSeries } from '../protocol/index';

/** What the studio shows about the current run. */
export interface RunView {
  /** The stored run on show (live or opened from the runs list). */
  readonly runId?: string;
  readonly runName?: string;
  readonly state: RunState;
  /** What the live run is doing now (reading data, compiling kernels, training epoch 2…). */
  readonly phase?: RunPhase;
  readonly message?: string;
  readonly backend?: string;
  /** The step engine and why it was chosen. */
  readonly engine?: { readonly name: string; readonly why: string };
  readonly skipped: readonly string[];
  readonly probes: readonly BackendProbe[];
  readonly progress?: Progress;
  /** Latest value of every metric, numeric or not, per split. */
  readonly latest: Readonly<Record<'train' | 'valid', Readonly<Record<string, MetricPoint>>>>;
  readonly epochsDone: number;
  /** Train iterations per epoch (from progress, or from a stored run's logs), for an iteration axis. */
  readonly iterationsPerEpoch?: number;
  readonly checkpoints: readonly number[];
  readonly errors: readonly string[];
  /** Warnings of the run as it goes on (a loss that went NaN or infinite in an epoch). */
  readonly warnings: readonly string[];
  /** Bumped on every change of the series or log, which are mutated in place for speed. */
  readonly version: number;
}

const emptySeries = (): SplitSeries => ({ x: [], y: [], epochX: [], epochY: [] });

/** A stored run's last values, for the metrics table: each series' last point, and its last epoch value as the epoch mean. */
function latestOf(series: readonly MetricSeries[]): RunView['latest'] {
  const latest: Record<'train' | 'valid', Record<string, MetricPoint>> = { train: {}, valid: {} };
  for (const s of series) {
    for (const split of ['train', 'valid'] as const) {
      const { x, y, epochX, epochY } = s[split];
      if (!y.length && !epochY.length) continue;
      latest[split][s.name] = { name: s.name, x: x.at(-1) ?? epochX.at(-1)!, value: y.at(-1) ?? NaN, running: epochY.at(-1) ?? NaN, numeric: true };
    }
  }
  return latest;
}

/** Appends in a loop: a long log spread into push() would overflow the stack. */
function append(to: string[], lines: readonly string[]): void {
  for (const line of lines) to.push(line);
}

/**
 * The run as the UI sees it, built from worker events. Series and log grow in place (a long
 * run has hundreds of thousands of points); listeners are told at most every `notifyMs`, so a
 * burst of events costs one render.
 */
export class RunStore {
  private view: RunView = {
    state: 'idle',
    skipped: [],
    probes: [],
    latest: { train: {}, valid: {} },
    epochsDone: 0,
    checkpoints: [],
    errors: [],
    warnings: [],
    version: 0,
  };
  readonly series = new Map<string, MetricSeries>();
  readonly log: string[] = [];
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly notifyMs = 200) {}

  /** The current view (a new object after every change, for React). */
  get snapshot(): RunView {
    return this.view;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<RunView>, urgent = false): void {
    this.view = { ...this.view, ...patch, version: this.view.version + 1 };
    if (urgent) return this.notify();
    this.timer ??= setTimeout(() => this.notify(), this.notifyMs);
  }

  private notify(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const l of this.listeners) l();
  }

  /** Clears everything for a new run. */
  reset(runId?: string, runName?: string): void {
    this.series.clear();
    this.log.length = 0;
    this.set(
      {
        runId,
        runName,
        state: 'loading',
        phase: undefined,
        message: undefined,
        backend: undefined,
        engine: undefined,
        skipped: [],
        progress: undefined,
        latest: { train: {}, valid: {} },
        epochsDone: 0,
        checkpoints: [],
        errors: [],
        warnings: [],
      },
      true,
    );
  }

  /**
   * Shows a stored run: its series and log as read back from its files. Live events of a resumed
   * run then continue the same curves.
   */
  load(run: {
    runId: string;
    runName: string;
    series: readonly MetricSeries[];
    log: readonly string[];
    epochsDone: number;
    checkpoints: readonly number[];
    state: RunState;
    message?: string;
  }): void {
    this.series.clear();
    // Loss first, as a live run registers it; then the rest by name.
    const ordered = [...run.series].sort((a, b) => (a.name === 'Loss' ? -1 : b.name === 'Loss' ? 1 : a.name.localeCompare(b.name)));
    for (const s of ordered) this.series.set(s.name, { name: s.name, train: { ...s.train }, valid: { ...s.valid } });
    const firstEpoch = ordered[0]?.train.x.filter((x) => x <= 1).length;
    this.log.length = 0;
    append(this.log, run.log);
    this.set(
      {
        runId: run.runId,
        runName: run.runName,
        state: run.state,
        phase: undefined,
        message: run.message,
        backend: undefined,
        engine: undefined,
        skipped: [],
        progress: undefined,
        latest: latestOf(ordered),
        epochsDone: run.epochsDone,
        iterationsPerEpoch: firstEpoch || undefined,
        checkpoints: [...run.checkpoints],
        errors: [],
        warnings: [],
      },
      true,
    );
  }

  /** Keeps the state but starts a resumed run's live part (errors, warnings and progress cleared). */
  continueRun(): void {
    this.set({ state: 'loading', phase: undefined, message: undefined, progress: undefined, errors: [], warnings: [] }, true);
  }

  private seriesFor(name: string): MetricSeries {
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = { name, train: emptySeries(), valid: emptySeries() }));
    return s;
  }

  /** Folds one worker event into the view. */
  apply(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        return this.set({ probes: event.backends }, true);
      case 'state':
        // Once Stop is pressed, iterations still in flight must not flip the status back.
        if (this.view.state === 'stopping' && ['training', 'validating', 'paused'].includes(event.state)) return;
        return this.set({ state: event.state, message: event.message }, true);
      case 'phase':
        return this.set({ phase: event.phase }, true);
      case 'backend':
        return this.set({ backend: event.backend, skipped: event.skipped }, true);
      case 'engine':
        return this.set({ engine: { name: event.engine, why: event.why } }, true);
      case 'progress':
        return this.set({ progress: event.progress, ...(event.progress.split === 'train' ? { iterationsPerEpoch: event.progress.iterationsTotal } : {}) });
      case 'metrics': {
        const latest = { ...this.view.latest[event.split] };
        for (const p of event.points) {
          latest[p.name] = p;
          if (!p.numeric) continue;
          const s = this.seriesFor(p.name)[event.split];
          s.x.push(p.x);
          s.y.push(p.value);
        }
        return this.set({ latest: { ...this.view.latest, [event.split]: latest } });
      }
      case 'epoch':
        for (const split of ['train', 'valid'] as const) {
          for (const [name, value] of Object.entries(event.means[split])) {
            if (!this.series.has(name) && !this.view.latest[split][name]?.numeric) continue;
            const s = this.seriesFor(name)[split];
            s.epochX.push(event.epoch);
            s.epochY.push(value);
          }
        }
        return this.set({ epochsDone: event.epoch });
      case 'checkpoint': {
        const kept = new Set(this.view.checkpoints);
        if (event.action === 'saved') kept.add(event.epoch);
        else kept.delete(event.epoch);
        return this.set({ checkpoints: [...kept].sort((a, b) => a - b) });
      }
      case 'log':
        append(this.log, event.lines);
        return this.set({});
      case 'error':
        return this.set({ errors: [...this.view.errors, event.message] }, true);
      case 'warning':
        return this.set({ warnings: [...this.view.warnings, event.message] }, true);
      default:
        return; // answers to requests and the runs list are the App's business
    }
  }
}
