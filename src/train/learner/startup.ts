import type { DataLoader } from '../../data/dataloader';

/** Where the time from `fit()` to its first trained step went, in milliseconds (experiment.log and FitResult). */
export interface StartupTimes {
  /** Selecting the backend (on webgpu the first time: the adapter and device). */
  readonly backend: number;
  /** The log's first lines, and a resumed run's checkpoint. */
  readonly setup: number;
  /** Building the step engine; `engineParts` breaks it down where the engine does (the compiled step: tuning, pipelines, weights). */
  readonly engine: number;
  readonly engineParts: Readonly<Record<string, number>>;
  /** The first epoch's start: the engine's upload of the split, its order. */
  readonly upload: number;
  /** The first step, from its recording until its statistics were read back. */
  readonly firstStep: number;
  /** All of it: `fit()` to the first step's statistics. */
  readonly total: number;
}

/** Marks the phases of a fit's start, in order; `done` gets the times once the first step is in. */
export class StartupClock {
  private readonly start = performance.now();
  private last = this.start;
  private readonly phases: Record<string, number> = {};
  engineParts: Readonly<Record<string, number>> = {};

  constructor(private readonly done: (times: StartupTimes) => void) {}

  /** Ends a phase (the time since the previous mark). */
  mark(phase: 'backend' | 'setup' | 'engine' | 'upload'): void {
    const now = performance.now();
    this.phases[phase] = now - this.last;
    this.last = now;
  }

  /** Ends the first step, and with it the clock. */
  firstStep(): void {
    const now = performance.now();
    const p = this.phases;
    this.done({
      backend: p.backend ?? 0,
      setup: p.setup ?? 0,
      engine: p.engine ?? 0,
      engineParts: this.engineParts,
      upload: p.upload ?? 0,
      firstStep: now - this.last,
      total: now - this.start,
    });
  }
}

const ms = (v: number) => `${Math.round(v)} ms`;

/** The experiment log's line: "first step 312 ms after fit(): backend 1 ms, setup 2 ms, engine 250 ms (pipelines 240, …), upload 30 ms, first step 29 ms". */
export function formatStartup(t: StartupTimes): string {
  const parts = Object.entries(t.engineParts).map(([k, v]) => `${k} ${Math.round(v)}`);
  const engine = `engine ${ms(t.engine)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  return `first step ${ms(t.total)} after fit(): backend ${ms(t.backend)}, setup ${ms(t.setup)}, ${engine}, upload ${ms(t.upload)}, first step ${ms(t.firstStep)}`;
}

/** Rows of the batches a loader's epochs have: the full batch, and a shorter last one where the items leave one. */
export function epochBatchRows(loader: DataLoader<unknown>): number[] {
  if (loader.numBatches === 0) return [];
  const items = Math.min(loader.numItems, loader.numBatches * loader.batchSize);
  return [...new Set([Math.min(loader.batchSize, items), items % loader.batchSize || loader.batchSize])];
}
