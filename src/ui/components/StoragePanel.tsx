import { useEffect, useState } from 'react';
import type { RunRecord } from '../../protocol/index';
import type { TrainingClient } from '../client';
import { useStorageUsage } from '../runs/use-storage';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

interface Props {
  readonly client: TrainingClient;
  readonly runs: readonly RunRecord[];
  /** The folder new runs are mirrored into, if any. */
  readonly mirror: string | null;
  readonly onMirror: (on: boolean) => void;
}

/** Where the File System Access API lets the user pick a folder (Chrome). */
const canMirror = () => typeof (window as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';

/**
 * Bytes per run and in total, the origin's quota, persistence (with a button to ask for it), and
 * the live mirror of new runs into a folder on disk.
 */
export function StoragePanel({ client, runs, mirror, onMirror }: Props) {
  const usage = useStorageUsage(client, runs);
  const [persisted, setPersisted] = useState<boolean | null>(null);
  useEffect(() => void navigator.storage?.persisted().then(setPersisted), []);
  const bytes = usage?.runs ?? {};
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  return (
    <section className="storage" aria-label="Storage">
      <p>
        Runs take <b>{mib(total)}</b>
        {usage?.quota !== undefined && (
          <>
            ; this site uses {mib(usage.usage ?? 0)} of its {mib(usage.quota)} quota
          </>
        )}
        .
      </p>
      <p>
        Storage is {persisted ? 'persistent: the browser will not evict it' : 'best-effort: the browser may evict it when space runs low'}.{' '}
        {!persisted && (
          <button type="button" onClick={async () => setPersisted(await navigator.storage.persist())}>
            Request persistent storage
          </button>
        )}
      </p>
      {canMirror() && (
        <p>
          {mirror ? (
            <>
              New runs are mirrored to the folder <b>{mirror}</b>, one subfolder per run, same layout.{' '}
              <button type="button" onClick={() => onMirror(false)}>
                Stop mirroring
              </button>
            </>
          ) : (
            <button type="button" onClick={() => onMirror(true)}>
              Mirror new runs to a folder…
            </button>
          )}
        </p>
      )}
      <table aria-label="Bytes per run">
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.name}</th>
              <td>{bytes[r.id] === undefined ? '…' : mib(bytes[r.id])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
