import { describeModel } from '../../protocol/describe';
import type { DatasetConfig, RunConfig } from '../../protocol/run-config';
import { grouped } from '../components/format';

/** The data a run learns, in a few words: "MNIST", "MNIST 2,000", "iris.csv → species", "pets.zip 32×32 RGB". */
export function dataWords(d: DatasetConfig): string {
  switch (d.type) {
    case 'mnist':
      return d.samples === 10_000 ? 'MNIST' : `MNIST ${grouped(d.samples)}`;
    case 'iris':
      return 'iris.csv → species';
    case 'table':
      return `${d.file} → ${d.label}`;
    case 'images':
      return `${d.source} ${d.size}×${d.size}${d.channels === 1 ? ' gray' : ' RGB'}`;
  }
}

/** The settings a name may add when they are what sets a run apart from an earlier one of the same base name. */
const EXTRAS: readonly ((c: RunConfig) => string)[] = [
  (c) => `${c.epochs} epochs`,
  (c) => `batch ${c.batchSize}`,
  (c) => (c.schedule.type === 'constant' ? 'constant lr' : c.schedule.type),
  (c) => `valid ${Math.round(c.validFraction * 100)}%`,
  (c) => `accumulate ${c.gradAccumulation}`,
  (c) => `seed ${c.seed}`,
  (c) => c.backend,
];

/**
 * A new run's default name: what it learns and how, "MNIST · MLP 128 relu · adam 0.001". When an
 * earlier run has that name too, the settings that differ from the newest such run are added
 * ("… · batch 32 · seed 1"); a run that differs in none of them is numbered ("… (2)").
 */
export function defaultRunName(config: RunConfig, earlier: readonly { readonly name: string; readonly config: unknown }[]): string {
  const base = `${dataWords(config.dataset)} · ${describeModel(config.model)} · ${config.optimizer.type} ${config.lr}`;
  const names = new Set(earlier.map((r) => r.name));
  if (!names.has(base)) return base;
  const twin = earlier.find((r) => r.name === base)?.config as RunConfig | null | undefined;
  const differs = twin ? EXTRAS.map((f) => f(config)).filter((w, i) => w !== EXTRAS[i](twin)) : [];
  const named = differs.length ? `${base} · ${differs.join(' · ')}` : base;
  if (!names.has(named) && named !== base) return named;
  let n = 2;
  while (names.has(`${named} (${n})`)) n++;
  return `${named} (${n})`;
}
