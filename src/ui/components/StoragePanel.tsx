import { useEffect, useState } from 'react';
import type { KilnDb, RunRecord } from '../../store/idb';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Bytes per run and in total, the origin's quota, and persistence (with a button to ask for it). */
export function StoragePanel({ kiln, runs }: { kiln: KilnDb; runs: readonly RunRecord[] }) {
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
