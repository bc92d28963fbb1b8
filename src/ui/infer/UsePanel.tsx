import { useEffect, useState } from 'react';
import type { ModelInfo, StoredRun } from '../../protocol/index';
import type { TrainingClient } from '../client';
import { Tabs } from '../components/Tabs';
import { ErrorsView } from './ErrorsView';
import { TryImages } from './TryImages';
import { TryTable } from './TryTable';
import { usePredictor } from './use-predictor';

const VIEWS = ['Try it', 'Errors'] as const;

/** A run's model at a checkpoint: try it on new inputs, or see where it errs on the validation split. */
export function UsePanel({ client, run }: { readonly client: TrainingClient; readonly run: StoredRun }) {
  const checkpoints = run.record.checkpoints;
  const [epoch, setEpoch] = useState(checkpoints.at(-1)!);
  const [tab, setTab] = useState<(typeof VIEWS)[number]>('Try it');
  const [info, setInfo] = useState<ModelInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runId = run.record.id;
  const stored = checkpoints.includes(epoch) ? epoch : checkpoints.at(-1)!;
  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    client.ask({ type: 'model-info', runId, epoch: stored }, { signal: controller.signal }).then(
      (e) => setInfo(e.info),
      (e: Error) => controller.signal.aborted || setError(e.message),
    );
    return () => controller.abort();
  }, [client, runId, stored]);
  const predictor = usePredictor(client, runId, stored);
  const current = info?.runId === runId && info.epoch === stored ? info : null;
  return (
    <section className="use-panel" aria-label="Use the model">
      <h2>
        Use the model{' '}
        <label>
          at checkpoint{' '}
          <select value={stored} onChange={(e) => setEpoch(Number(e.target.value))}>
            {checkpoints.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </h2>
      {error && <p role="alert">{error}</p>}
      <Tabs tabs={VIEWS} selected={tab} onSelect={setTab} label="Use the model">
        {!current && !error && <p className="muted">Loading checkpoint {stored}…</p>}
        {current && tab === 'Try it' && current.input.kind === 'image' && <TryImages info={{ ...current, input: current.input }} predictor={predictor} />}
        {current && tab === 'Try it' && current.input.kind === 'table' && (
          <TryTable key={`${runId}@${stored}`} info={{ ...current, input: current.input }} predictor={predictor} />
        )}
        {current && tab === 'Errors' && <ErrorsView client={client} info={current} />}
      </Tabs>
    </section>
  );
}
