import { startTransition, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetCard } from '../../data/card';
import type { PickedFiles } from '../../data/images/picked';
import { RequestError, type TrainingClient } from '../client';
import { datasetFromForm, formFromDataset, type FormValues } from '../config/form';

/** Where reading a dataset stands, for the progress bar. */
export interface DatasetProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
}

/**
 * A dataset problem to announce; `retryLatin1` when the table can be read again as Latin-1;
 * `dismiss` after a dropped file failed, to go back to the dataset the form still names.
 */
export interface DatasetProblem {
  readonly message: string;
  readonly retryLatin1?: () => void;
  readonly dismiss?: () => void;
}

/** What the data section shows and can do. */
export interface DatasetView {
  readonly card: DatasetCard | null;
  /** Whether the card is of the form's current choices (false while a newer card is on its way). */
  readonly fresh: boolean;
  readonly progress: DatasetProgress | null;
  readonly problem: DatasetProblem | null;
  /** Reads dropped or picked files in the worker. */
  readonly open: (picked: PickedFiles) => void;
}

/** What a card depends on in the form: the dataset choice, the split and the seed (null: no card can be asked for). */
function cardKey(values: FormValues): string | null {
  const dataset = datasetFromForm(values);
  return dataset && JSON.stringify([dataset, values.validFraction, values.seed]);
}

/**
 * The dataset the form describes: dropped files are read in the worker (with progress), the
 * form takes the suggested choices, and the card follows every change of the choices. A newer
 * request wins: answers to older ones are dropped.
 */
export function useDataset(client: TrainingClient, values: FormValues, update: (v: Partial<FormValues>) => void): DatasetView {
  // The card and the key of the choices it shows.
  const [shown, setShown] = useState<{ card: DatasetCard; key: string | null } | null>(null);
  const [progress, setProgress] = useState<DatasetProgress | null>(null);
  const [problem, setProblem] = useState<DatasetProblem | null>(null);
  // Asks for the form's card again (after a dismissed problem).
  const [retry, setRetry] = useState(0);
  const latest = useRef(0);
  const valuesNow = useRef(values);
  valuesNow.current = values;
  // The request in flight: a newer one cancels it in the worker too (a large table stops being read).
  const inFlight = useRef<AbortController | null>(null);
  const next = () => {
    inFlight.current?.abort();
    return (inFlight.current = new AbortController()).signal;
  };
  // Every update is a transition: answers may land while a run is drawing its charts, and an
  // urgent render of the whole page then would block it.
  const onProgress = (id: number) => (phase: string, done: number, total: number) =>
    id === latest.current && startTransition(() => setProgress({ phase, done, total }));
  // The card goes with the problem: Start must not offer the last dataset as if it were still the one chosen.
  const fail = (id: number, e: unknown, more: Omit<DatasetProblem, 'message'> = {}) => {
    if (id !== latest.current || (e as Error).name === 'AbortError') return;
    startTransition(() => {
      setProgress(null);
      setShown(null);
      setProblem({ message: (e as Error).message, ...more });
    });
  };
  const dismiss = () => {
    setProblem(null);
    setRetry((r) => r + 1);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the helpers it calls read only refs and state setters
  const open = useCallback(
    function read(picked: PickedFiles, encoding: 'utf-8' | 'latin1' = 'utf-8') {
      const id = ++latest.current;
      setProblem(null);
      setShown(null);
      setProgress({ phase: `Reading ${picked.name}`, done: 0, total: 0 });
      client.openDataset(picked, encoding, onProgress(id), next()).then(
        ({ card: c, suggested }) => {
          if (id !== latest.current) return;
          const chosen = formFromDataset(suggested);
          startTransition(() => {
            setProgress(null);
            setShown({ card: c, key: cardKey({ ...valuesNow.current, ...chosen }) });
            update(chosen);
          });
        },
        (e: unknown) =>
          fail(id, e, {
            ...(e instanceof RequestError && e.code === 'not-utf8' ? { retryLatin1: () => read(picked, 'latin1') } : {}),
            ...(cardKey(valuesNow.current) ? { dismiss } : {}),
          }),
      );
    },
    [client, update],
  );

  // The card of the current choices: a key of everything that changes it.
  const dataset = datasetFromForm(values);
  const key = cardKey(values);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for every choice the card depends on; `retry` asks again
  useEffect(() => {
    if (!dataset) return;
    const id = ++latest.current;
    const timer = setTimeout(() => {
      // A newer request (a file the user picked meanwhile) supersedes this one: it must not start,
      // or it would cancel the newer one in flight.
      if (id !== latest.current) return;
      client.datasetCard(dataset, Number(values.validFraction) || 0.2, Number(values.seed) || 0, onProgress(id), next()).then(
        (c) => {
          if (id !== latest.current) return;
          startTransition(() => {
            setProgress(null);
            setProblem(null);
            setShown({ card: c, key });
          });
        },
        (e: unknown) => fail(id, e),
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [client, key, retry]);

  // One object while nothing in it changes: the data section is memoised on it.
  const card = shown?.card ?? null;
  const fresh = shown !== null && shown.key === key;
  return useMemo(() => ({ card, fresh, progress, problem, open }), [card, fresh, progress, problem, open]);
}
