/** Where one step's statistics stand: on the device until read, then landed (values) or failed (error). */
export interface StatsSlot {
  /** The values of the read this step's statistics went into; null when the step had none. */
  values?: Float32Array | null;
  /** Where this step's statistics start in `values`. */
  offset: number;
  error?: unknown;
  /** Settles (never rejects) once the read landed or failed; null while still on the device. */
  landed: Promise<void> | null;
}

/**
 * Brings step statistics back to the host: grouped, asynchronous, strictly in order. Each step
 * engine has one (the tfjs engine reads tensors; a compiled engine reads its statistics buffer).
 */
export interface StatsSource<S> {
  /**
   * Iterations the loop may run ahead of the values that came back; reads that take long next to
   * a step (a GPU's map round trip next to a 0.1 ms step) need more. Default: the processor's.
   */
  readonly lag?: number;
  /** Takes ownership of a step's statistics and returns the slot their values will land in. */
  add(stats: S): StatsSlot;
  /** Starts reading every step's statistics still on the device. */
  flush(): void;
  /** Waits for a slot's values, starting its read first if needed; rethrows a failed read. */
  values(slot: StatsSlot): Promise<Float32Array | null>;
  /** Frees statistics never read. */
  dispose(): void;
}

/** Whether a slot's values (or its error) are in. */
export function slotLanded(slot: StatsSlot): boolean {
  return slot.values !== undefined || slot.error !== undefined;
}

/** One step's statistics waiting for their group's read, and when they were added (performance.now). */
export interface QueuedStats<S> {
  readonly stats: S;
  readonly slot: StatsSlot;
  readonly added: number;
}

/** What a group's read resolves to: one array with every step's values, and where each step's start. */
export interface GroupValues {
  readonly values: Float32Array;
  readonly offsets: readonly number[];
}

const now = () => performance.now();

/**
 * The grouping every statistics source shares: steps wait until `groupSize` of them are queued and
 * are then read together with one asynchronous read; the first step, and every step when steps are
 * slow (`slowMs` or more since the previous one), is read at once, so entries still reach the
 * renderer promptly. Subclasses say how a group is read (`readGroup`).
 */
export abstract class GroupedStatsSource<S> implements StatsSource<S> {
  private queued: QueuedStats<S>[] = [];
  private lastAdd = -Infinity;

  constructor(
    protected readonly groupSize: number,
    private readonly slowMs: number,
  ) {}

  /** Starts reading a group's statistics (synchronously: a GPU read is queued in order) and resolves to their values. */
  protected abstract readGroup(group: readonly QueuedStats<S>[]): Promise<GroupValues>;

  /** Whether a step has no statistics at all (its slot lands at once with null values). */
  protected isEmpty(_stats: S): boolean {
    return false;
  }

  /** Frees the statistics of steps never read. */
  protected release(_stats: readonly S[]): void {}

  add(stats: S): StatsSlot {
    const t = now();
    const slow = t - this.lastAdd >= this.slowMs;
    this.lastAdd = t;
    if (this.isEmpty(stats)) return { values: null, offset: 0, landed: Promise.resolve() };
    const slot: StatsSlot = { offset: 0, landed: null };
    this.queued.push({ stats, slot, added: t });
    if (slow || this.queued.length >= this.groupSize) this.flush();
    return slot;
  }

  flush(): void {
    if (!this.queued.length) return;
    const group = this.queued;
    this.queued = [];
    const landed = this.readGroup(group).then(
      ({ values, offsets }) =>
        group.forEach(({ slot }, i) => {
          slot.offset = offsets[i];
          slot.values = values;
        }),
      (error: unknown) => group.forEach(({ slot }) => (slot.error = error)),
    );
    for (const { slot } of group) slot.landed = landed;
  }

  async values(slot: StatsSlot): Promise<Float32Array | null> {
    if (!slot.landed) this.flush();
    await slot.landed;
    if (slot.error !== undefined) throw slot.error;
    return slot.values!;
  }

  dispose(): void {
    this.release(this.queued.map((q) => q.stats));
    this.queued = [];
  }
}
