import type { SchedulerConfig } from '../../schedule/config';

/** usize::MAX: Burn's cosine scheduler before its first step (its counter wraps to 0 on the first). */
const USIZE_MAX = (1n << 64n) - 1n;

/**
 * The scheduler record's item: the record Burn's scheduler of the same kind (burn-optim
 * `lr_scheduler/`, v0.19–v0.21) holds after `step` steps. Constant: `()` (nil); step:
 * `iter_idx: i32` (the last step's index, −1 before the first); exponential: `previous_lr: f64`
 * (the last rate, lr/γ before the first); cosine: `current_iter: usize` (the last step's index in
 * its cycle of num_iters + 1, usize::MAX before the first); linear: `remaining_iters: usize`; noam:
 * `step: usize`. A sequence of schedules (warm-up then cosine) has no Burn scheduler (Burn's
 * ComposedLrScheduler combines schedules at every step, it does not chain them): its item is nil.
 */
export function schedulerItem(config: SchedulerConfig, step: number): null | number | bigint {
  switch (config.type) {
    case 'constant':
    case 'sequence':
      return null;
    case 'step':
      return step - 1;
    case 'exponential':
      return config.lr * config.gamma ** (step - 1);
    case 'cosine':
      return step === 0 ? USIZE_MAX : (step - 1) % (config.steps + 1);
    case 'linear':
      return Math.max(0, config.steps - step);
    case 'noam':
      return step;
  }
}
