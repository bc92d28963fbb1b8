import { startTransition, useCallback, useEffect, useMemo, useState } from 'react';
import type { RunConfig } from '../../protocol/run-config';
import type { TrainingClient } from '../client';
import type { FormValues, ModelData } from '../config/form';
import { draftsOf } from './drafts';

/** The weights a model.json came with: their file, names and shapes (the data stays in the worker). */
export interface ImportedWeights {
  readonly source: string;
  readonly weights: readonly { name: string; shape: readonly number[] }[];
}

/** The step engine a run would train on, on which backend, and why (for tfjs: why not compiled). */
export interface EnginePlan {
  readonly engine: string;
  readonly backend: string;
  readonly why: string;
}

/** What the model section shows and can do besides the form. */
export interface ModelView {
  readonly imported: ImportedWeights | null;
  readonly importing: boolean;
  readonly importProblem: string | null;
  readonly engine: EnginePlan | null;
  /** Reads a model.json and its weights files in the worker; the form takes its layers. */
  readonly importFiles: (files: File[]) => void;
}

/**
 * The model section's exchanges with the worker: importing a model.json (the form then holds its
 * layer list, and this hook the names and shapes of its weights), and asking, whenever the run's
 * config or data change, which step engine would train it (a newer question cancels an older one).
 */
export function useModel(client: TrainingClient, config: RunConfig | null, data: ModelData | undefined, update: (v: Partial<FormValues>) => void): ModelView {
  const [imported, setImported] = useState<ImportedWeights | null>(null);
  const [importing, setImporting] = useState(false);
  const [importProblem, setImportProblem] = useState<string | null>(null);
  const [engine, setEngine] = useState<EnginePlan | null>(null);

  const importFiles = useCallback(
    (files: File[]) => {
      if (!data) return;
      setImporting(true);
      setImportProblem(null);
      client.ask({ type: 'model-open', files: files.map((file) => ({ name: file.name, file })), shape: data.shape, task: data.task }).then(
        ({ config: list, weights }) => {
          startTransition(() => {
            setImporting(false);
            setImported(weights && list.initial ? { source: list.initial.source, weights } : null);
            update({ model: 'layers', layers: JSON.stringify(draftsOf(list.layers)), modelSource: list.initial?.source ?? '' });
          });
        },
        (e: Error) => {
          setImporting(false);
          setImportProblem(e.message);
        },
      );
    },
    [client, data, update],
  );

  const key = config && data ? JSON.stringify([config, data]) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the config and data the question is about
  useEffect(() => {
    setEngine(null);
    if (!config || !data) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      client.ask({ type: 'engine-check', config, shape: data.shape, task: data.task }, { signal: controller.signal }).then(
        ({ engine: name, why, backend }) => startTransition(() => setEngine({ engine: name, why, backend })),
        (e: Error) => e.name !== 'AbortError' && setEngine({ engine: 'none', backend: '—', why: e.message }),
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [client, key]);

  // One object while nothing changed: the model section re-renders only when it has something new to show.
  return useMemo(() => ({ imported, importing, importProblem, engine, importFiles }), [imported, importing, importProblem, engine, importFiles]);
}
