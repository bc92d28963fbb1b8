import type { RunView } from '../run-store';
import { duration } from './format';

const labels: Record<RunView['state'], string> = {
  idle: 'Ready',
  loading: 'Loading',
  training: 'Training',
  validating: 'Validating',
  paused: 'Paused',
  stopping: 'Stopping',
  done: 'Done',
  stopped: 'Stopped',
  failed: 'Failed',
};

const ACTIVE: readonly RunView['state'][] = ['training', 'validating', 'paused', 'stopping'];

/**
 * The run's state line and its progress. Only the state line is a live region ("Training epoch
 * 2 of 5 on webgpu", "Paused", "Stopped: …"), read whole when it changes; the iteration, speed,
 * ETA and loading steps change several times a second, so they sit beside it, not in it.
 */
export function StatusBar({ view }: { view: RunView }) {
  const p = view.progress;
  const probe = view.probes.find((b) => b.name === view.backend);
  const active = ACTIVE.includes(view.state);
  return (
    <div className="status" data-state={view.state}>
      <p className="status-state" role="status" aria-live="polite" aria-atomic="true">
        <span className={`state state-${view.state}`}>{labels[view.state]}</span>
        {p && active && (
          <span>
            {' '}
            epoch {p.epoch} of {p.epochTotal}
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
            {p.split === 'train' ? 'iteration' : 'validation batch'} {p.iteration} of {p.iterationsTotal}
          </span>
          <span>{p.itemsPerSecond.toFixed(0)} items/s</span>
          {p.split === 'train' && <span>ETA {duration(p.etaSeconds)}</span>}
          <progress max={p.iterationsTotal} value={p.iteration} aria-label={`${p.split} progress of epoch ${p.epoch}`} />
        </p>
      )}
    </div>
  );
}
