import type { MetricPoint, RunPhase, RunState, WorkerEvent } from '../protocol/index';
import type { LearnerSummary } from '../train/learner/summary';
import type { Split } from '../train/metric/base';
import type { LearnerPhase, MetricState, MetricsRenderer, TrainingProgress } from '../train/renderer/base';
import { EtaTracker } from '../train/renderer/eta';
import { fitDone, itemsPerSecond } from '../train/renderer/progress';

/**
 * Shows training in the studio: turns renderer calls into protocol events. Metric points and
 * log lines are batched and posted every `flushMs`, so the UI gets a few messages a second,
 * not one per number.
 */
export class WorkerRenderer implements MetricsRenderer {
  private points: Record<Split, MetricPoint[]> = { train: [], valid: [] };
  private lines: string[] = [];
  private progress: TrainingProgress | null = null;
  private state: RunState | null = null;
  private phaseNow: RunPhase | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly start = performance.now();
  private readonly eta = new EtaTracker();
  /** Why the fit ended, as the learner said it. */
  endReason = '';

  constructor(
    private readonly post: (event: WorkerEvent) => void,
    private readonly flushMs = 100,
  ) {}

  private setState(state: RunState, message?: string): void {
    if (state === this.state) return;
    this.flush();
    this.state = state;
    this.post({ type: 'state', state, message });
  }

  /** Posts what the run does now, when that changed (a few times an epoch, never per step). */
  setPhase(phase: RunPhase): void {
    const now = this.phaseNow;
    if (now && now.name === phase.name && ('epoch' in now ? now.epoch : 0) === ('epoch' in phase ? phase.epoch : 0)) return;
    this.flush();
    this.phaseNow = phase;
    this.post({ type: 'phase', phase });
  }

  phase(phase: LearnerPhase): void {
    this.setPhase(phase);
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  engine(name: string, why: string): void {
    this.post({ type: 'engine', engine: name, why });
  }

  /** Posts what is buffered. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const split of ['train', 'valid'] as const) {
      if (this.points[split].length) this.post({ type: 'metrics', split, points: this.points[split] });
      this.points[split] = [];
    }
    if (this.lines.length) this.post({ type: 'log', lines: this.lines });
    this.lines = [];
    const p = this.progress;
    if (p) {
      this.post({
        type: 'progress',
        progress: {
          split: p.split,
          epoch: p.epoch,
          epochTotal: p.epochTotal,
          iteration: p.iteration,
          iterationsTotal: p.iterationsTotal,
          itemsPerSecond: itemsPerSecond(p),
          eta: p.split === 'train' ? this.eta.estimate() : null,
        },
      });
    }
    this.progress = null;
  }

  update(split: Split, p: TrainingProgress, metrics: readonly MetricState[]): void {
    this.setState(split === 'train' ? 'training' : 'validating');
    this.setPhase({ name: split, epoch: p.epoch, epochs: p.epochTotal });
    if (split === 'train') this.eta.add((performance.now() - this.start) / 1000, fitDone(p));
    const x = p.epoch - 1 + p.iteration / p.iterationsTotal;
    for (const { entry, numeric } of metrics) this.points[split].push({ name: entry.name, x, value: entry.value, running: entry.running, numeric });
    this.progress = p;
    this.schedule();
  }

  epochEnd(epoch: number, means: Record<Split, Record<string, number>>): void {
    this.flush();
    this.post({ type: 'epoch', epoch, means });
  }

  paused(paused: boolean): void {
    this.setState(paused ? 'paused' : 'training');
  }

  checkpoint(epoch: number, action: 'saved' | 'deleted'): void {
    this.flush();
    this.post({ type: 'checkpoint', epoch, action });
  }

  warning(message: string): void {
    this.flush();
    this.post({ type: 'warning', message });
  }

  log(line: string): void {
    this.lines.push(line);
    this.schedule();
  }

  end(_summary: LearnerSummary | undefined, reason: string): void {
    this.endReason = reason;
    this.flush();
  }
}
