/** Stops a running fit cleanly at the next iteration (Burn's TrainingInterrupter). */
export class TrainingInterrupter {
  private reason: string | null = null;

  /** Asks the learner to stop; the current step finishes, the epoch is not checkpointed. */
  stop(reason = 'interrupted'): void {
    this.reason = reason;
  }

  /** Whether a stop was requested. */
  get stopRequested(): boolean {
    return this.reason !== null;
  }

  /** Why the stop was requested. */
  get stopReason(): string | null {
    return this.reason;
  }
}
