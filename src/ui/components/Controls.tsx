import { useTransition } from 'react';
import type { RunState } from '../../protocol/index';

interface Props {
  readonly state: RunState;
  readonly canStart: boolean;
  readonly onStart: () => void;
  readonly onPause: () => void;
  readonly onResume: () => void;
  readonly onStop: () => void;
}

/**
 * Start training, Pause, Resume, Stop: each enabled only when it means something. What Start
 * changes renders as a transition (the whole studio re-renders: a click must not block the page
 * for it); Start stays disabled from the click until the run shows.
 */
export function Controls({ state, canStart, onStart, onPause, onResume, onStop }: Props) {
  const [starting, startTransition] = useTransition();
  const running = ['loading', 'training', 'validating', 'paused'].includes(state);
  return (
    <div className="controls" role="toolbar" aria-label="Training controls">
      <button type="button" className="primary" onClick={() => startTransition(onStart)} disabled={starting || running || state === 'stopping' || !canStart}>
        Start training
      </button>
      <button type="button" onClick={onPause} disabled={state !== 'training' && state !== 'validating'}>
        Pause
      </button>
      <button type="button" onClick={onResume} disabled={state !== 'paused'}>
        Resume
      </button>
      <button type="button" onClick={onStop} disabled={!running}>
        Stop
      </button>
    </div>
  );
}
