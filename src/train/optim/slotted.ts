import * as tf from '@tensorflow/tfjs';
import { checkShape, fromTensorRecord, toTensorRecord, type TensorRecord } from '../tensor-record';
import type { Optimizer, OptimizerRecord, Param } from './base';
import { clipGradients } from './clipping';
import type { OptimizerConfig } from './config';

/** What an optimizer's update rule sees for one param; runs inside tf.tidy. */
export interface UpdateContext {
  readonly param: tf.Variable;
  /** The gradient after clipping. */
  readonly grad: tf.Tensor;
  readonly lr: tf.Scalar;
  /** The learning rate as a number, for factors computed on the host. */
  readonly lrValue: number;
  /** 1-based number of this update (PyTorch's `t`). */
  readonly t: number;
  /** True when the slots were just created, for rules whose first step differs (SGD momentum). */
  readonly fresh: boolean;
  /** The param's slot variable of that name. */
  slot(name: string): tf.Variable;
}

/**
 * The bookkeeping every optimizer here shares: a step counter, per-param slot variables created
 * lazily, clipping, save/load and disposal. Subclasses supply only the update rule.
 */
export abstract class SlottedOptimizer<C extends OptimizerConfig> implements Optimizer {
  private stepCount = 0;
  /** Slot name → one variable per param; null until the first step or a load that has slots. */
  private slots: Map<string, tf.Variable[]> | null = null;
  /** Param names in the order the slots were made, to catch a model whose params moved. */
  private paramNames: string[] | null = null;

  protected constructor(
    readonly config: C,
    private readonly slotNames: readonly string[],
  ) {}

  /** Number of updates applied so far. */
  get step(): number {
    return this.stepCount;
  }

  /** Updates one param in place (with `assign`); called inside tf.tidy. */
  protected abstract update(ctx: UpdateContext): void;

  /** Applies one update to every param at learning rate lr; grads are not disposed. */
  apply(params: readonly Param[], grads: readonly tf.Tensor[], lr: number): void {
    if (params.length !== grads.length) {
      throw new Error(`optimizer got ${params.length} params but ${grads.length} gradients`);
    }
    if (!Number.isFinite(lr) || lr < 0) {
      throw new Error(`learning rate must be a finite number >= 0, got ${lr}`);
    }
    params.forEach((p, i) => {
      if (!sameShape(p.variable.shape, grads[i].shape)) {
        const [g, v] = [grads[i].shape, p.variable.shape];
        throw new Error(`gradient ${i} for param '${p.name}' has shape [${g.join(',')}], param has [${v.join(',')}]`);
      }
    });
    const fresh = this.ensureSlots(params);
    const slots = this.slots!;
    const t = this.stepCount + 1;
    tf.tidy(() => {
      const clipping = this.config.gradClipping;
      const clipped = clipping ? clipGradients(grads, clipping) : grads;
      const lrT = tf.scalar(lr);
      params.forEach((p, i) => {
        // One tidy per param keeps peak memory at one param's temporaries, not the model's.
        tf.tidy(() =>
          this.update({
            param: p.variable,
            grad: clipped[i],
            lr: lrT,
            lrValue: lr,
            t,
            fresh,
            slot: (name) => slots.get(name)![i],
          }),
        );
      });
    });
    this.stepCount = t;
  }

  /** Snapshot of the state (async read-back). */
  async save(): Promise<OptimizerRecord> {
    const step = this.stepCount;
    const names = this.paramNames ?? [];
    // Clones share storage, so a step applied while the read-back is pending cannot change the snapshot.
    const snapshot = [...(this.slots ?? new Map<string, tf.Variable[]>())].map(([slot, vars]) => [slot, vars.map((v) => tf.clone(v))] as const);
    try {
      const slots: Record<string, TensorRecord[]> = {};
      for (const [slot, copies] of snapshot) {
        slots[slot] = await Promise.all(copies.map((c, i) => toTensorRecord(names[i], c)));
      }
      return { type: this.config.type, config: this.config, step, slots };
    } finally {
      for (const [, copies] of snapshot) tf.dispose(copies);
    }
  }

  /** Restores a snapshot; validates everything before touching the current state. */
  load(record: OptimizerRecord, params: readonly Param[]): void {
    if (record.type !== this.config.type) {
      throw new Error(`optimizer record is for '${record.type}', optimizer is '${this.config.type}'`);
    }
    if (!Number.isInteger(record.step) || record.step < 0) {
      throw new Error(`optimizer record has an invalid step ${record.step}`);
    }
    const present = Object.keys(record.slots);
    // A record saved before the first step has no slots; they are then created on the next step.
    if (present.length > 0 || (record.step > 0 && this.slotNames.length > 0)) {
      for (const name of this.slotNames) {
        if (!(name in record.slots)) {
          throw new Error(`optimizer record (step ${record.step}) has no slot '${name}'`);
        }
      }
      for (const name of present) {
        if (!this.slotNames.includes(name)) {
          throw new Error(`optimizer record has slot '${name}', which '${this.config.type}' with this config does not use`);
        }
      }
    }
    for (const name of present) checkSlot(name, record.slots[name], params);

    this.disposeSlots();
    if (present.length > 0) {
      this.slots = new Map(this.slotNames.map((name) => [name, record.slots[name].map((r) => makeSlot(fromTensorRecord(r)))]));
      this.paramNames = params.map((p) => p.name);
    }
    this.stepCount = record.step;
  }

  /** Frees slot variables. */
  dispose(): void {
    this.disposeSlots();
  }

  /** Creates the slots on first use; returns true when it did. */
  private ensureSlots(params: readonly Param[]): boolean {
    if (this.slots !== null) {
      checkSameParams(this.paramNames!, params);
      return false;
    }
    this.slots = new Map(this.slotNames.map((name) => [name, params.map((p) => makeSlot(tf.zerosLike(p.variable)))]));
    this.paramNames = params.map((p) => p.name);
    return true;
  }

  private disposeSlots(): void {
    for (const vars of this.slots?.values() ?? []) tf.dispose(vars);
    this.slots = null;
    this.paramNames = null;
  }
}

/** Wraps an initial value in a non-trainable variable and frees the initial tensor. */
function makeSlot(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial, false);
  initial.dispose();
  return v;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws naming the first param whose position, name or shape does not fit the record. */
function checkSlot(slot: string, records: readonly TensorRecord[], params: readonly Param[]): void {
  if (records.length !== params.length) {
    throw new Error(`optimizer slot '${slot}': record has ${records.length} params, model has ${params.length}`);
  }
  params.forEach((p, i) => {
    const what = `optimizer slot '${slot}' for param ${i} '${p.name}'`;
    if (records[i].name !== p.name) throw new Error(`${what}: record has '${records[i].name}' at this position`);
    checkShape(what, p.variable.shape, records[i]);
  });
}

/** Slots are matched by position, so a reordered or resized param list would silently misapply state. */
function checkSameParams(names: readonly string[], params: readonly Param[]): void {
  if (names.length !== params.length) {
    throw new Error(`optimizer state is for ${names.length} params, got ${params.length}`);
  }
  params.forEach((p, i) => {
    if (p.name !== names[i]) throw new Error(`optimizer state has param ${i} '${names[i]}', got '${p.name}'`);
  });
}
