import type { Split } from '../metric/base';
import type { MetricHistory } from './history';

/** A metric's epoch means with the epochs of its minimum and maximum (Burn's MetricSummary). */
export interface MetricSummary {
  readonly name: string;
  readonly entries: readonly { epoch: number; value: number }[];
  readonly min: { epoch: number; value: number };
  readonly max: { epoch: number; value: number };
}

/** What training achieved, per split and metric (Burn's LearnerSummary). */
export interface LearnerSummary {
  /** The last epoch with recorded metrics. */
  readonly epochs: number;
  readonly metrics: Record<Split, MetricSummary[]>;
  /** Iterations whose loss was NaN or infinite, per split (training went on past them when asked to). */
  readonly nonFinite: Record<Split, number>;
}

/** Builds the summary from the history (which resume rebuilds from the logs) and the count of non-finite losses. */
export function learnerSummary(history: MetricHistory, nonFinite: Record<Split, number> = { train: 0, valid: 0 }): LearnerSummary {
  let epochs = 0;
  const split = (s: Split): MetricSummary[] =>
    history.names(s).flatMap((name) => {
      const entries = history.series(s, name).map(([epoch, value]) => ({ epoch, value }));
      const finite = entries.filter((e) => !Number.isNaN(e.value));
      if (!finite.length) return [];
      epochs = entries.reduce((most, e) => Math.max(most, e.epoch), epochs);
      const min = finite.reduce((a, b) => (b.value < a.value ? b : a));
      const max = finite.reduce((a, b) => (b.value > a.value ? b : a));
      return [{ name, entries, min, max }];
    });
  return { metrics: { train: split('train'), valid: split('valid') }, epochs, nonFinite: { ...nonFinite } };
}

/** "The loss was NaN or infinite in 7 train iterations and 2 valid iterations", or null when it never was. */
export function nonFiniteNote(nonFinite: Record<Split, number>): string | null {
  const parts = (['train', 'valid'] as const).filter((s) => nonFinite[s] > 0).map((s) => `${nonFinite[s]} ${s} iteration${nonFinite[s] === 1 ? '' : 's'}`);
  return parts.length ? `The loss was NaN or infinite in ${parts.join(' and ')}` : null;
}

/** Burn's summary table. */
export function formatSummary(summary: LearnerSummary): string {
  const rows = (['train', 'valid'] as const).flatMap((s) =>
    summary.metrics[s].map((m) => [
      s === 'train' ? 'Train' : 'Valid',
      m.name,
      m.min.value.toFixed(3),
      String(m.min.epoch),
      m.max.value.toFixed(3),
      String(m.max.epoch),
    ]),
  );
  const header = ['Split', 'Metric', 'Min.', 'Epoch', 'Max.', 'Epoch'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const bar = '='.repeat(24);
  const note = nonFiniteNote(summary.nonFinite);
  return [`${bar} Learner Summary ${bar}`, `Total Epochs: ${summary.epochs}`, ...(note ? [note] : []), '', line(header), rule, ...rows.map(line)].join('\n');
}
