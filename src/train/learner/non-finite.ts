/**
 * What a loss that goes NaN or infinite does: 'stop' fails the fit there, before its epoch is
 * checkpointed; 'warn' names it once per epoch and split and trains on. Plain data, without tfjs:
 * the run config (and so the studio's form) offers the choice.
 */
export const ON_NON_FINITE = ['stop', 'warn'] as const;

/** One of {@link ON_NON_FINITE}. */
export type OnNonFinite = (typeof ON_NON_FINITE)[number];
