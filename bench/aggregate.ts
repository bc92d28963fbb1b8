import type { RunnerResult } from './runners/base';
import type { LearnerResult } from './runners/learner';
import type { ByRunner } from './report';

/** The middle value (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One round: each runner once. */
export interface Round {
  readonly learner: LearnerResult;
  readonly handLoop: RunnerResult;
  readonly modelFit: RunnerResult;
  /** (d) the learner with the compiled WebGPU step, on webgpu only. */
  readonly compiled?: LearnerResult;
}

/** Runner order in round r: rotated, so no runner always goes first (or last) after a warm-up. */
export function roundOrder<T>(runners: readonly T[], round: number): T[] {
  const k = round % runners.length;
  return [...runners.slice(k), ...runners.slice(0, k)];
}

/** Medians over rounds; ratios are medians of each round's own ratio (runs next to each other share the machine's state). */
export function summarize(rounds: readonly Round[]) {
  const each = <T>(f: (r: RunnerResult) => T): ByRunner<T> => ({
    learner: f(rounds[0].learner),
    handLoop: f(rounds[0].handLoop),
    modelFit: f(rounds[0].modelFit),
  });
  const over = (pick: (r: Round) => RunnerResult, f: (r: RunnerResult) => number) => median(rounds.map((r) => f(pick(r))));
  const byRunner = (f: (r: RunnerResult) => number, combine = over): ByRunner<number> => ({
    learner: combine((r) => r.learner, f),
    handLoop: combine((r) => r.handLoop, f),
    modelFit: combine((r) => r.modelFit, f),
  });
  const last = rounds[rounds.length - 1];
  const compiled = rounds.every((r) => r.compiled?.engine.startsWith('compiled')) ? rounds.map((r) => r.compiled!) : null;
  return {
    compiled: compiled && {
      samplesPerSec: median(compiled.map((c) => c.samplesPerSec)),
      steadyMsPerStep: median(compiled.map((c) => c.steadyMsPerStep)),
      inEpochMsPerStep: median(compiled.map((c) => c.inEpochMsPerStep)),
      // The first round's is the case's first compiled fit in the process (its pipelines compiled); the last's reuses them.
      startup: { cold: compiled[0].startup, warm: compiled[compiled.length - 1].startup },
      vsLearner: median(rounds.map((r) => r.compiled!.samplesPerSec / r.learner.samplesPerSec)),
      firstStepMs: median(compiled.map((c) => c.firstStepMs)),
      tensorGrowthPerEpoch: Math.max(...compiled.map((c) => c.tensorGrowthPerEpoch)),
      finalLoss: last.compiled!.finalLoss,
    },
    compiledEngine: last.compiled?.engine ?? null,
    samplesPerSec: byRunner((r) => r.samplesPerSec),
    learnerSteadyMsPerStep: median(rounds.map((r) => r.learner.steadyMsPerStep)),
    learnerVsHandLoop: median(rounds.map((r) => r.learner.samplesPerSec / r.handLoop.samplesPerSec)),
    learnerVsModelFit: median(rounds.map((r) => r.learner.samplesPerSec / r.modelFit.samplesPerSec)),
    firstStepMs: byRunner((r) => r.firstStepMs),
    tensorGrowthPerEpoch: byRunner(
      (r) => r.tensorGrowthPerEpoch,
      (pick, f) => Math.max(...rounds.map((r) => f(pick(r)))),
    ),
    finalLoss: each((r) => r.finalLoss),
    checkpoint: {
      saveMs: median(rounds.map((r) => r.learner.checkpoint.saveMs)),
      bytes: last.learner.checkpoint.bytes,
      pctOfEpoch: median(rounds.map((r) => r.learner.checkpoint.pctOfEpoch)),
    },
  };
}
