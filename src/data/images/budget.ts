/**
 * A budget of decoded pixels in flight: decodes wait while the images already decoding would,
 * with theirs, exceed it. One image larger than the whole budget still runs, alone.
 */
export class PixelBudget {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly total: number) {}

  /** Resolves once `pixels` fit beside the decodes in flight. */
  async take(pixels: number): Promise<void> {
    while (this.used > 0 && this.used + pixels > this.total) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.used += pixels;
  }

  /** Returns what {@link take} took, and lets the waiting decodes try again. */
  give(pixels: number): void {
    this.used -= pixels;
    for (const wake of this.waiting.splice(0)) wake();
  }
}
