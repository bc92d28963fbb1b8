import { describeModel } from '../../protocol/describe';
import type { MetricSeries } from '../../protocol/index';
import type { ModelConfig } from '../../train/model/config';

/** A run as the comparison needs it: its name, stored config (plain data, may be missing) and series. */
export interface ComparedRun {
  readonly id: string;
  readonly name: string;
  readonly config: unknown;
  readonly series: readonly MetricSeries[];
}

/** A setting whose value differs between the compared runs: one value per run, in their order. */
export interface SettingDiff {
  readonly setting: string;
  readonly values: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A config as `setting → value` lines: nested objects as dotted paths, the model as its one-line description. */
export function flattenSettings(config: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string) => {
    if (path === 'model' && isObject(value)) {
      try {
        out.set(path, describeModel(value as unknown as ModelConfig));
        return;
      } catch {
        // an unknown model shape: fall through to its fields
      }
    }
    if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    else if (Array.isArray(value)) out.set(path, value.map((v) => (isObject(v) ? JSON.stringify(v) : String(v))).join(', '));
    else if (value !== undefined && value !== null) out.set(path, String(value));
  };
  walk(config, '');
  return out;
}

/** The settings that are not the same in every run (a setting a run lacks reads "—"), in first-seen order. */
export function settingsDiff(runs: readonly Pick<ComparedRun, 'config'>[]): SettingDiff[] {
  const flat = runs.map((r) => flattenSettings(r.config));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))];
  return keys.flatMap((setting) => {
    const values = flat.map((f) => f.get(setting) ?? '—');
    return values.every((v) => v === values[0]) ? [] : [{ setting, values }];
  });
}

/** Whether a metric improves downwards (losses and errors) or upwards (accuracy, F1, …). */
export const lowerIsBetter = (metric: string): boolean => /loss|error|mse|mae|rmse/i.test(metric);

/** A run's best epoch mean of a metric on the validation split. */
export interface Best {
  readonly value: number;
  readonly epoch: number;
}

/** Each metric's best valid epoch mean (lowest loss, highest accuracy), by metric name; NaN epochs never win. */
export function bestValid(series: readonly MetricSeries[]): Map<string, Best> {
  const out = new Map<string, Best>();
  for (const s of series) {
    const lower = lowerIsBetter(s.name);
    let best: Best | undefined;
    s.valid.epochY.forEach((value, i) => {
      if (!Number.isFinite(value)) return;
      if (!best || (lower ? value < best.value : value > best.value)) best = { value, epoch: s.valid.epochX[i] };
    });
    if (best) out.set(s.name, best);
  }
  return out;
}
