import { useTransition } from 'react';
import type { CheckFix, DataCheck } from '../../data/checks';
import type { RunState } from '../../protocol/index';
import { fixLabel } from '../dataset/readiness';

interface Props {
  readonly state: RunState;
  /** Why Start is disabled (the dataset is reading, invalid for the task…); null when it may start. */
  readonly reason: string | null;
  /** Errors and warnings about the data and the batches, each with its fix when there is one. */
  readonly checks: readonly DataCheck[];
  readonly onFix: (fix: CheckFix) => void;
  readonly onStart: () => void;
  readonly onPause: () => void;
  readonly onResume: () => void;
  readonly onStop: () => void;
}

/**
 * Start training, Pause, Resume, Stop: each enabled only when it means something, and beside them
 * why Start is not (the button's description) and what to know before pressing it. What Start
 * changes renders as a transition (the whole studio re-renders: a click must not block the page
 * for it); Start stays disabled from the click until the run shows.
 */
export function Controls({ state, reason, checks, onFix, onStart, onPause, onResume, onStop }: Props) {
  const [starting, startTransition] = useTransition();
  const running = ['loading', 'training', 'validating', 'paused'].includes(state);
  const busy = starting || running || state === 'stopping';
  // A check that is the reason is listed once, with its fix; a fix two checks share gets one button.
  const said = checks.some((c) => c.message === reason);
  const fixes = checks.map((c) => (c.fix ? JSON.stringify(c.fix) : null));
  return (
    <>
      <div className="controls" role="toolbar" aria-label="Training controls">
        <button
          type="button"
          className="primary"
          onClick={() => startTransition(onStart)}
          disabled={busy || reason !== null}
          aria-describedby={busy ? undefined : 'start-checks'}
        >
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
      {!busy && (reason || checks.length > 0) && (
        <section id="start-checks" className="start-checks" aria-label="Before training" aria-live="polite">
          {reason && !said && <p className="start-reason">{reason}</p>}
          {checks.length > 0 && (
            <ul>
              {checks.map((c, i) => (
                <li key={c.message} className={`check-${c.level}`}>
                  {c.message}
                  {c.fix && fixes.indexOf(fixes[i]) === i && (
                    <button type="button" onClick={() => onFix(c.fix!)}>
                      {fixLabel(c.fix)}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  );
}
