import { useEffect, useState } from 'react';
import type { RunRecord, StorageUsage } from '../../protocol/index';
import type { TrainingClient } from '../client';

/**
 * What the stored runs take, asked of the worker whenever the runs list changes (the worker
 * counts only runs that changed since it last counted); null until the first answer.
 */
export function useStorageUsage(client: TrainingClient, runs: readonly RunRecord[]): StorageUsage | null {
  const [usage, setUsage] = useState<StorageUsage | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new runs list is what asks again
  useEffect(() => {
    const controller = new AbortController();
    client.ask({ type: 'storage-usage' }, { signal: controller.signal }).then(
      (answer) => setUsage(answer.usage),
      () => {}, // cancelled by a newer list, or the worker is gone (which the studio reports itself)
    );
    return () => controller.abort();
  }, [client, runs]);
  return usage;
}
