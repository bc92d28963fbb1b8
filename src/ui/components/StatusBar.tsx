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

/** Run state, backend, epoch and iteration, speed and ETA; announced politely to screen readers. */
export function StatusBar({ view }: { view: RunView }) {
  const p = view.progress;
  const probe = view.probes.find((b) => b.name === view.backend);
  const active = ['training', 'validating', 'paused', 'stopping'].includes(view.state);
  return (
    <div className="status" role="status" aria-live="polite" data-state={view.state}>
      <span className={`state state-${view.state}`}>{labels[view.state]}</span>
      {view.backend && (
        <span className="backend" title={probe?.note}>
          on {view.backend}
          {probe?.note && <small> ({probe.note})</small>}
        </span>
      )}
      {view.backend && view.skipped.length > 0 && <small className="skipped">fell back from {view.skipped.join('; ')}</small>}
      {view.engine && (
        <span className="engine" title={view.engine.why}>
          engine: {view.engine.name}
          {view.engine.name !== 'compiled' && <small> ({view.engine.why})</small>}
        </span>
      )}
      {view.state === 'loading' && view.message && <span>{view.message}</span>}
      {p && active && (
        <>
          <span>
            epoch {p.epoch} of {p.epochTotal}
          </span>
          <span>
            {p.split === 'train' ? 'iteration' : 'validation batch'} {p.iteration} of {p.iterationsTotal}
          </span>
          <span>{p.itemsPerSecond.toFixed(0)} items/s</span>
          {p.split === 'train' && <span>ETA {duration(p.etaSeconds)}</span>}
          <progress max={p.iterationsTotal} value={p.iteration} aria-label={`${p.split} progress of epoch ${p.epoch}`} />
        </>
      )}
      {['done', 'stopped', 'failed'].includes(view.state) && view.message && <span className="end">{view.message}</span>}
    </div>
  );
}
