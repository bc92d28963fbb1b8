import * as tf from '@tensorflow/tfjs';
import type { StepStats } from '../step/base';

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

/** A slot's values once landed, starting its group's read (`flush`) if it has not started; rethrows a failed read. */
export async function slotValues(slot: StatsSlot, flush: () => void): Promise<Float32Array | null> {
  if (!slot.landed) flush();
  await slot.landed;
  if (slot.error !== undefined) throw slot.error;
  return slot.values!;
}

const now = () => performance.now();

/**
 * Reads step statistics back in groups: the tensors of up to `groupSize` steps are concatenated
 * and read with one asynchronous `data()`, so a GPU backend runs one concat and one read-back
 * (fence, copy) per group instead of per step, and the loop never blocks on it. The first step,
 * and every step when steps are slow (`slowMs` or more since the previous one), is read at once,
 * so entries still reach the renderer promptly.
 */
export class StatsReader implements StatsSource<StepStats> {
  private tensors: tf.Tensor[] = [];
  private slots: { slot: StatsSlot; parts: number }[] = [];
  private lastAdd = -Infinity;

  constructor(
    private readonly groupSize = 8,
    private readonly slowMs = 50,
  ) {}

  /** Takes ownership of a step's statistics and returns the slot their values will land in. */
  add(stats: StepStats): StatsSlot {
    const t = now();
    const slow = t - this.lastAdd >= this.slowMs;
    this.lastAdd = t;
    if (!stats.length) return { values: null, offset: 0, landed: Promise.resolve() };
    const slot: StatsSlot = { offset: 0, landed: null };
    this.tensors.push(...stats);
    this.slots.push({ slot, parts: stats.length });
    if (slow || this.slots.length >= this.groupSize) this.flush();
    return slot;
  }

  /**
   * Starts reading every step's statistics still on the device. A short group is padded to
   * `groupSize` steps with copies of its last step's tensors: a GPU backend compiles a shader per
   * concat layout, and a fixed layout is compiled once, in the first step, instead of mid-run.
   */
  flush(): void {
    if (!this.tensors.length) return;
    const [tensors, slots] = [this.tensors, this.slots.map((s) => s.slot)];
    let offset = 0;
    let part = 0;
    for (const { slot, parts } of this.slots) {
      slot.offset = offset;
      for (const end = part + parts; part < end; part++) offset += tensors[part].size;
    }
    const last = tensors.slice(-this.slots[this.slots.length - 1].parts);
    const padding = Array.from({ length: this.groupSize - this.slots.length }, () => last).flat();
    [this.tensors, this.slots] = [[], []];
    const joined = tf.concat([...tensors, ...padding]);
    tf.dispose(tensors);
    const landed = (joined.data() as Promise<Float32Array>).then(
      (values) => slots.forEach((s) => (s.values = values)),
      (error: unknown) => slots.forEach((s) => (s.error = error)),
    );
    // The read is queued, so the tensor can go once it lands; tfjs keeps the data until then.
    void landed.finally(() => joined.dispose());
    slots.forEach((s) => (s.landed = landed));
  }

  /** Waits for a slot's values, starting its read first if it is still on the device; rethrows a failed read. */
  values(slot: StatsSlot): Promise<Float32Array | null> {
    return slotValues(slot, () => this.flush());
  }

  /** Frees statistics never read (a failed fit). */
  dispose(): void {
    tf.dispose(this.tensors);
    this.tensors = [];
    this.slots = [];
  }
}
