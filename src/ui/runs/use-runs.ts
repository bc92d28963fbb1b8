import { startTransition, useCallback, useEffect, useRef, useState } from 'react';
import type { RunRecord, StoredRun } from '../../protocol/index';
import type { TrainingClient } from '../client';
import { followRun } from './follow';

/** The stored runs as the studio shows them, and what can be done with them. */
export interface Runs {
  /** Every stored run, newest first. */
  readonly list: readonly RunRecord[];
  /** The run opened for viewing, following its stored record. */
  readonly opened: StoredRun | null;
  /** Opens a run for viewing. */
  readonly open: (runId: string) => Promise<StoredRun>;
  /** Reads a run up to `untilEpoch` without opening it (a resume's curves). */
  readonly read: (runId: string, untilEpoch?: number) => Promise<StoredRun>;
  readonly close: () => void;
  readonly rename: (runId: string, name: string) => Promise<void>;
  readonly remove: (runId: string) => Promise<void>;
  /** One file of a run as text. */
  readonly text: (runId: string, path: string) => Promise<string>;
}

/**
 * The runs list, read from the worker at start and whenever it says stored runs changed (a newer
 * read cancels an older one). An opened run is read once; after that it follows the list cheaply
 * (see followRun): epoch ends take the new record, checkpoints refresh the file sizes, and only
 * a change of status reads its logs again.
 */
export function useRuns(client: TrainingClient, onError: (message: string) => void): Runs {
  const [list, setList] = useState<readonly RunRecord[]>([]);
  const [opened, setOpened] = useState<StoredRun | null>(null);
  const listing = useRef<AbortController | null>(null);
  const following = useRef<AbortController | null>(null);
  const failed = useRef(onError);
  failed.current = onError;

  const refresh = useCallback(() => {
    listing.current?.abort();
    const controller = (listing.current = new AbortController());
    client.ask({ type: 'runs-list' }, { signal: controller.signal }).then(
      // A transition: the list changes at every epoch's end, while charts are drawing.
      ({ runs }) => startTransition(() => setList(runs)),
      // A read that was cancelled (a newer one, the studio unmounted) reports nothing.
      (e: unknown) => controller.signal.aborted || failed.current(`could not list the stored runs: ${(e as Error).message}`),
    );
  }, [client]);

  useEffect(() => {
    const off = client.subscribe((e) => e.type === 'runs-changed' && refresh());
    refresh();
    return () => {
      off();
      listing.current?.abort();
      following.current?.abort();
    };
  }, [client, refresh]);

  /** Replaces the opened run, cancelling any read that follows the one it replaces. */
  const show = useCallback((run: StoredRun | null, follow?: AbortController) => {
    if (following.current !== follow) following.current?.abort();
    following.current = follow ?? null;
    startTransition(() => setOpened(run));
  }, []);

  useEffect(() => {
    if (!opened) return;
    const stored = list.find((r) => r.id === opened.record.id);
    if (!stored) return show(null); // deleted
    const action = followRun(opened.record, stored);
    if (action === 'same') return;
    if (action === 'record') return show({ ...opened, record: stored });
    const follow = new AbortController();
    following.current?.abort();
    following.current = follow;
    const { signal } = follow;
    const next =
      action === 'files'
        ? client.ask({ type: 'run-files', runId: stored.id }, { signal }).then(({ files }) => ({ ...opened, record: stored, files }))
        : client.ask({ type: 'run-open', runId: stored.id }, { signal }).then(({ run }) => run);
    next.then(
      (run) => show(run, follow),
      (e: unknown) => signal.aborted || failed.current((e as Error).message),
    );
  }, [client, list, opened, show]);

  const read = useCallback(async (runId: string, untilEpoch?: number) => (await client.ask({ type: 'run-open', runId, untilEpoch })).run, [client]);
  const open = useCallback(
    async (runId: string) => {
      const run = await read(runId);
      show(run);
      return run;
    },
    [read, show],
  );
  const close = useCallback(() => show(null), [show]);
  const rename = useCallback(async (runId: string, name: string) => void (await client.ask({ type: 'run-rename', runId, name })), [client]);
  const remove = useCallback(async (runId: string) => void (await client.ask({ type: 'run-delete', runId })), [client]);
  const text = useCallback(async (runId: string, path: string) => (await client.ask({ type: 'run-text', runId, path })).text, [client]);
  return { list, opened, open, read, close, rename, remove, text };
}
