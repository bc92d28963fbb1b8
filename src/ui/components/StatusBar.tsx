import type { RunPhase } from '../../protocol/index';
import { formatEta } from '../../train/renderer/eta';
import type { RunView } from '../run-store';

const labels: Record<RunView['state'], string> = {
  idle: 'Ready',
  loading: 'Starting',
  training: 'Training',
  validating: 'Validating',
  paused: 'Paused',
  stopping: 'Stopping',
  done: 'Done',
  stopped: 'Stopped',
  failed: 'Failed',
};

const ACTIVE: readonly RunView['state'][] = ['training', 'validating', 'paused', 'stopping'];

/** What a live run is doing, in words: "Reading data", "Compiling kernels", "Training epoch 2 of 5", "Saving checkpoint 2". */
export function phaseLabel(phase: RunPhase): string {
  switch (phase.name) {
    case 'data':
      return 'Reading data';
    case 'model':
      return 'Building the model';
    case 'compile':
      return 'Compiling kernels';
    case 'restore':
      return `Loading checkpoint ${phase.epoch}`;
    case 'train':
      return `Training epoch ${phase.epoch} of ${phase.epochs}`;
    case 'valid':
      return `Validating epoch ${phase.epoch} of ${phase.epochs}`;
    case 'checkpoint':
      return `Saving checkpoint ${phase.epoch}`;
  }
}

/** The state line's first words: the phase while the run works, else its state ("Paused", "Done"); "Not ready" while Start cannot start. */
function headline(view: RunView, blocked: string | null): string {
  const working = view.state === 'loading' || view.state === 'training' || view.state === 'validating';
  if (working && view.phase) return phaseLabel(view.phase);
  if (view.state === 'idle' && blocked) return 'Not ready';
  return labels[view.state];
}

interface Props {
  readonly view: RunView;
  /** Why Start cannot start a run now (the readiness reason beside Start), or null when it can: no "Ready" while it cannot. */
  readonly blocked: string | null;
}

/**
 * The run's state line and its progress. Only the state line is a live region ("Training epoch
 * 2 of 5 on webgpu", "Compiling kernels", "Paused", "Stopped: …"), read whole when it changes; the
 * iteration, speed, ETA and loading steps change several times a second, so they sit beside it,
 * not in it. The ETA appears once the pace after the first steps is known, with its range.
 */
export function StatusBar({ view, blocked }: Props) {
  const p = view.progress;
  const probe = view.probes.find((b) => b.name === view.backend);
  const active = ACTIVE.includes(view.state);
  // The latest progress, saying its own epoch and split: when epochs are short, phases change faster
  // than progress comes (a few times a second), so a line shown only for the phase on show would seldom show.
  return (
    <div className="status" data-state={view.state} data-phase={view.phase?.name}>
      <p className="status-state" role="status" aria-live="polite" aria-atomic="true">
        <span className={`state state-${view.state}`}>{headline(view, blocked)}</span>
        {view.state === 'idle' && blocked && <span className="end">: {blocked}</span>}
        {p && (view.state === 'paused' || view.state === 'stopping') && (
          <span>
            {' '}
            in epoch {p.epoch} of {p.epochTotal}
          </span>
        )}
        {view.backend && (
          <span className="backend" title={probe?.note}>
            {' '}
            on {view.backend}
            {probe?.note && <small> ({probe.note})</small>}
          </span>
        )}
        {view.backend && view.skipped.length > 0 && <small className="skipped"> fell back from {view.skipped.join('; ')}</small>}
        {view.engine && (
          <span className="engine" title={view.engine.why}>
            {' '}
            engine: {view.engine.name}
            {view.engine.name !== 'compiled' && <small> ({view.engine.why})</small>}
          </span>
        )}
        {['done', 'stopped', 'failed'].includes(view.state) && view.message && <span className="end">: {view.message}</span>}
      </p>
      {view.state === 'loading' && view.message && <p className="status-progress">{view.message}</p>}
      {p && active && (
        <p className="status-progress">
          <span>
            epoch {p.epoch}: {p.split === 'train' ? 'iteration' : 'validation batch'} {p.iteration} of {p.iterationsTotal}
          </span>
          <span>{p.itemsPerSecond.toFixed(0)} items/s</span>
          {p.split === 'train' && <span className="eta">{p.eta ? formatEta(p.eta) : 'time left: measuring'}</span>}
          <progress max={p.iterationsTotal} value={p.iteration} aria-label={`${p.split} progress of epoch ${p.epoch}`} />
        </p>
      )}
    </div>
  );
}
