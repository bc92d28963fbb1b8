/** Stops or pauses a running fit at the next iteration (Burn's TrainingInterrupter, plus pause). */
export class TrainingInterrupter {
  private reason: string | null = null;
  private paused: { promise: Promise<void>; resume: () => void } | null = null;

  /** Asks the learner to stop; the current step finishes, the unfinished epoch is not checkpointed. */
  stop(reason = 'interrupted'): void {
    this.reason = reason;
    this.resume(); // a paused fit must wake up to stop
  }

  /** Whether a stop was requested. */
  get stopRequested(): boolean {
    return this.reason !== null;
  }

  /** Why the stop was requested. */
  get stopReason(): string | null {
    return this.reason;
  }

  /** Holds the loop before its next iteration until `resume`. */
  pause(): void {
    if (this.paused) return;
    let resume = () => {};
    const promise = new Promise<void>((r) => (resume = r));
    this.paused = { promise, resume };
  }

  /** Lets a paused loop go on. */
  resume(): void {
    this.paused?.resume();
    this.paused = null;
  }

  /** Whether a pause is in effect. */
  get isPaused(): boolean {
    return this.paused !== null;
  }

  /** Resolves at once, or when a pause ends. */
  async whilePaused(): Promise<void> {
    while (this.paused) await this.paused.promise;
  }
}
