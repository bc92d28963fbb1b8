/** State of a {@link Rng}: one 32-bit integer, saved in checkpoints for exact resume. */
export interface RngState {
  readonly s: number;
}

/**
 * A small seeded PRNG (mulberry32). Its whole state is one uint32, so it saves into a
 * checkpoint and restores exactly; `Math.random` cannot.
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** A generator whose stream is a pure function of (seed, ...keys): used per epoch, per layer. */
  static derive(seed: number, ...keys: number[]): Rng {
    let h = seed >>> 0;
    for (const k of keys) h = Math.imul(h ^ (k >>> 0), 0x9e3779b1) ^ (h >>> 15);
    return new Rng(h);
  }

  /** Next uint32. */
  nextU32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** The state to save. */
  state(): RngState {
    return { s: this.s };
  }

  /** Restores a saved state. */
  load(state: RngState): void {
    this.s = state.s >>> 0;
  }
}
