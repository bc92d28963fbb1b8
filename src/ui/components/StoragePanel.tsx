import { useEffect, useState } from 'react';
import type { KilnDb, RunRecord } from '../../store/idb';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

interface Props {
  readonly kiln: KilnDb;
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
export function StoragePanel({ kiln, runs, mirror, onMirror }: Props) {
  const [estimate, setEstimate] = useState<StorageEstimate | null>(null);
  const [persisted, setPersisted] = useState<boolean | null>(null);
  const [bytes, setBytes] = useState<Record<string, number>>({});
  useEffect(() => {
    void navigator.storage?.estimate().then(setEstimate);
    void navigator.storage?.persisted().then(setPersisted);
    void Promise.all(runs.map(async (r) => [r.id, await kiln.runBytes(r.id)] as const)).then((pairs) => setBytes(Object.fromEntries(pairs)));
  }, [kiln, runs]);
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  return (
    <section className="storage" aria-label="Storage">
      <p>
        Runs take <b>{mib(total)}</b>
        {estimate?.quota !== undefined && (
          <>
            ; this site uses {mib(estimate.usage ?? 0)} of its {mib(estimate.quota)} quota
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
