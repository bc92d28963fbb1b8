import { useCallback, useRef, useState } from 'react';
import type { PredictInput, PredictionsView } from '../../protocol/index';
import type { TrainingClient } from '../client';

/** The latest predictions of a checkpoint, and how to ask for more. */
export interface Predictor {
  readonly result: PredictionsView | null;
  readonly error: string | null;
  /** Asks for `input`; while a request is in flight the newest input waits in its place (superseded, not queued). */
  readonly send: (input: PredictInput) => void;
  /** Asks once and resolves with the answer (a bulk CSV). */
  readonly once: (input: PredictInput) => Promise<PredictionsView>;
}

/**
 * Predictions from the worker for one run's checkpoint. At most one request is in flight: inputs
 * that arrive meanwhile replace each other, and the newest goes when the answer lands, so a
 * drawing pad that asks every frame gets answers as fast as the model gives them, never a backlog.
 */
export function usePredictor(client: TrainingClient, runId: string, epoch: number): Predictor {
  const key = `${runId}@${epoch}`;
  // Answers are kept with the checkpoint they came from: another checkpoint shows none of them.
  const [answer, setAnswer] = useState<{ key: string; result: PredictionsView | null; error: string | null }>({ key, result: null, error: null });
  const flight = useRef<{ busy: boolean; next: PredictInput | null }>({ busy: false, next: null });
  const once = useCallback((input: PredictInput) => client.ask({ type: 'predict', runId, epoch, input }).then((e) => e.predictions), [client, runId, epoch]);
  const send = useCallback(
    (input: PredictInput) => {
      const f = flight.current;
      if (f.busy) {
        f.next = input;
        return;
      }
      f.busy = true;
      once(input)
        .then(
          (p) => setAnswer({ key, result: p, error: null }),
          (e: Error) => setAnswer({ key, result: null, error: e.message }),
        )
        .finally(() => {
          f.busy = false;
          const next = f.next;
          f.next = null;
          if (next) send(next);
        });
    },
    [once, key],
  );
  const current = answer.key === key ? answer : { result: null, error: null };
  return { result: current.result, error: current.error, send, once };
}
