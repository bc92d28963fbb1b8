import type { DataResult } from './data-readers';
import type { CheckpointStats } from './runners/learner';
import { formatStartup, type StartupTimes } from '../src/train/learner/startup';

/** Per-runner numbers of one case; null where a runner did not run. */
export interface ByRunner<T> {
  readonly learner: T | null;
  readonly handLoop: T | null;
  readonly modelFit: T | null;
}

/** One row of the results: a case on a backend. `learner`, `handLoop`, `modelFit` are samples/s. */
export interface CaseResult extends ByRunner<number> {
  readonly backend: string;
  readonly model: string;
  readonly batch: number;
  /** (a)/(b) and (a)/(c). */
  readonly learnerVsHandLoop: number | null;
  readonly learnerVsModelFit: number | null;
  readonly itemsPerEpoch: number;
  readonly epochs: number;
  /** Rounds of (a), (b), (c); the numbers are medians over them. */
  readonly rounds: number;
  readonly firstStepMs: ByRunner<number>;
  readonly tensorGrowthPerEpoch: ByRunner<number>;
  readonly finalLoss: ByRunner<number>;
  readonly checkpoint: CheckpointStats | null;
  /** (d) the learner with the compiled WebGPU step, samples/s (webgpu only; null elsewhere or when the model does not compile). */
  readonly compiled?: number | null;
  /** (d)/(a). */
  readonly compiledVsLearner?: number | null;
  /** Milliseconds per step of the last epoch (no upload, compile or final sync in it): (a), and (d) when it compiled. */
  readonly steadyMsPerStep?: { readonly learner: number; readonly compiled: number | null };
  /** (d)'s milliseconds per step inside its last epoch (no epoch boundary in it). */
  readonly compiledInEpochMsPerStep?: number | null;
  /** (d)'s time from fit() to its first step: the case's first compiled fit in the process (cold) and the last round's (warm). */
  readonly compiledStartup?: { readonly cold: StartupTimes | null; readonly warm: StartupTimes | null } | null;
  /** The (d) learner's engine line from experiment.log: 'compiled (…)' or 'tfjs (not compiled: …)'. */
  readonly compiledEngine?: string | null;
  /** Why the case did not run, when it did not. */
  readonly skipped?: string;
}

/** What `npm run bench -- --json FILE` writes. */
export interface BenchReport {
  readonly date: string;
  readonly command: string;
  readonly machine: string;
  readonly cases: CaseResult[];
  /** Backends that did not run at all, with the reason. */
  readonly notRun: { readonly backend: string; readonly reason: string }[];
  readonly fairness: readonly string[];
  /** The dataset readers' speeds (absent in reports made before they were measured). */
  readonly data?: readonly DataResult[];
}

/** A case that did not run. */
export function skippedCase(backend: string, model: string, batch: number, reason: string): CaseResult {
  const none = { learner: null, handLoop: null, modelFit: null };
  return {
    backend,
    model,
    batch,
    ...none,
    learnerVsHandLoop: null,
    learnerVsModelFit: null,
    itemsPerEpoch: 0,
    epochs: 0,
    rounds: 0,
    firstStepMs: none,
    tensorGrowthPerEpoch: none,
    finalLoss: none,
    checkpoint: null,
    skipped: reason,
  };
}

const fixed = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));
const triple = (r: ByRunner<number>, digits: number) => [r.learner, r.handLoop, r.modelFit].map((v) => fixed(v, digits)).join(' / ');

/** The results as an aligned text table, then skipped cases and backends that did not run. */
export function formatTable(report: BenchReport): string {
  const head = [
    'backend',
    'model',
    'batch',
    '(a) learner',
    '(b) hand loop',
    '(c) model.fit',
    '(d) compiled',
    '(a)/(b)',
    '(a)/(c)',
    '(d)/(a)',
    'steady ms/step a / d',
    'first step ms a / b / c',
    'tensors/epoch a / b / c',
    'ckpt ms',
    'ckpt KB',
    'ckpt %',
  ];
  const ran = report.cases.filter((c) => !c.skipped);
  const rows = ran.map((c) => [
    c.backend,
    c.model,
    String(c.batch),
    fixed(c.learner, 0),
    fixed(c.handLoop, 0),
    fixed(c.modelFit, 0),
    fixed(c.compiled ?? null, 0),
    fixed(c.learnerVsHandLoop, 3),
    fixed(c.learnerVsModelFit, 3),
    fixed(c.compiledVsLearner ?? null, 2),
    c.steadyMsPerStep ? `${fixed(c.steadyMsPerStep.learner, 3)} / ${fixed(c.steadyMsPerStep.compiled, 3)}` : '–',
    triple(c.firstStepMs, 0),
    triple(c.tensorGrowthPerEpoch, 0),
    fixed(c.checkpoint?.saveMs ?? null, 0),
    fixed(c.checkpoint ? c.checkpoint.bytes / 1024 : null, 0),
    fixed(c.checkpoint?.pctOfEpoch ?? null, 1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = ['samples/s (higher is better)', line(head), ...rows.map(line)];
  for (const c of ran.filter((c) => c.compiledStartup?.cold)) {
    const { cold, warm } = c.compiledStartup!;
    out.push(`${c.backend} ${c.model} (batch ${c.batch}) (d) ${formatStartup(cold!)}${warm ? `; later fits: ${Math.round(warm.total)} ms` : ''}`);
  }
  for (const c of ran.filter((c) => c.compiledEngine && !c.compiledEngine.startsWith('compiled')))
    out.push(`${c.backend} ${c.model}: (d) ran the ${c.compiledEngine}`);
  for (const c of report.cases.filter((c) => c.skipped)) out.push(`${c.backend} ${c.model} (batch ${c.batch}): skipped: ${c.skipped}`);
  for (const b of report.notRun) out.push(`${b.backend}: not run: ${b.reason}`);
  return out.join('\n');
}
