import { useState } from 'react';
import { type PickedFiles, pickedFromInput } from '../../data/images/picked';
import type { RunRecord } from '../../protocol/index';
import { droppedFiles } from '../dataset/drop';
import { checkpointsLine } from './format';

interface Props {
  readonly runs: readonly RunRecord[];
  readonly openId?: string;
  readonly busy: boolean;
  readonly onOpen: (run: RunRecord) => void;
  readonly onRename: (run: RunRecord, name: string) => void;
  readonly onDelete: (run: RunRecord) => void;
  /** A zip (a Kiln archive or a zipped Burn run), or a folder's files. */
  readonly onImport: (dropped: File | PickedFiles) => void;
  /** Overlays the chosen runs (two or more). */
  readonly onCompare: (runs: RunRecord[]) => void;
}

const date = (t: number) => new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Whether a drop holds a folder (its entries must be walked on the page, within the drop handler). */
const holdsFolder = (transfer: DataTransfer) => [...transfer.items].some((item) => item.webkitGetAsEntry()?.isDirectory);

/** Every stored run: open, rename, delete; import an exported run or checkpoint, or a Burn run (zip or folder; picker or drop). */
export function RunsPanel({ runs, openId, busy, onOpen, onRename, onDelete, onImport, onCompare }: Props) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const compared = runs.filter((r) => chosen.has(r.id)); // a deleted run drops out
  const choose = (id: string, on: boolean) =>
    setChosen((c) => {
      const next = new Set(c);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const [dragging, setDragging] = useState(false);
  return (
    <section
      className={`runs${dragging ? ' dragging' : ''}`}
      aria-label="Runs"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        if (holdsFolder(e.dataTransfer)) {
          void droppedFiles(e.dataTransfer).then(onImport);
          return;
        }
        const file = e.dataTransfer.files[0];
        if (file) onImport(file);
      }}
    >
      <label className="import">
        Import run or checkpoint (.zip)
        <input type="file" accept=".zip,application/zip" onChange={(e) => e.target.files?.[0] && onImport(e.target.files[0])} />
      </label>
      <label className="import">
        Import a run folder (Burn's artifact folder)
        <input type="file" multiple {...{ webkitdirectory: '' }} onChange={(e) => e.target.files?.length && onImport(pickedFromInput(e.target.files))} />
      </label>
      {runs.length > 1 && (
        <p className="compare-bar">
          <button type="button" disabled={compared.length < 2} onClick={() => onCompare(compared)}>
            Compare {compared.length >= 2 ? `${compared.length} runs` : 'runs'}
          </button>{' '}
          <small>{compared.length < 2 ? 'Tick two or more runs to overlay their charts.' : ''}</small>
        </p>
      )}
      {runs.length === 0 && <p className="empty">No runs yet. Start one, or drop an exported .zip, or a Burn run's folder or zip, here.</p>}
      <ul>
        {runs.map((r) => (
          <li key={r.id} className={r.id === openId ? 'open' : undefined} data-status={r.status}>
            {renaming === r.id ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  const name = new FormData(e.currentTarget).get('name');
                  if (typeof name === 'string' && name.trim()) onRename(r, name.trim());
                  setRenaming(null);
                }}
              >
                <input name="name" aria-label={`New name for ${r.name}`} defaultValue={r.name} autoFocus />
                <button type="submit">Save</button>
              </form>
            ) : (
              <button type="button" className="run-name" onClick={() => onOpen(r)} disabled={busy} aria-label={`Open ${r.name}`}>
                {r.name}
              </button>
            )}
            <span className="badges">
              <span className={`badge badge-${r.status}`}>{r.status}</span>
              {r.imported && <span className="badge badge-imported">imported</span>}
            </span>
            <small>
              {date(r.createdAt)} · {r.dataset} · {r.model}
            </small>
            <small>
              epochs {r.epochsDone}/{r.epochs}
              {(r.best || r.checkpoints.length > 0) && ` · ${checkpointsLine(r)}`}
            </small>
            {r.imported && (
              <small>
                imported from {r.imported.from} on {date(r.imported.at)}
              </small>
            )}
            {r.message && <small className="message">{r.message}</small>}
            <span className="actions">
              {runs.length > 1 && (
                <label className="choose">
                  <input type="checkbox" checked={chosen.has(r.id)} onChange={(e) => choose(r.id, e.target.checked)} aria-label={`Compare ${r.name}`} /> compare
                </label>
              )}
              <button type="button" onClick={() => setRenaming(r.id)} aria-label={`Rename ${r.name}`}>
                Rename
              </button>
              <button type="button" onClick={() => onDelete(r)} disabled={busy && r.id === openId} aria-label={`Delete ${r.name}`}>
                Delete
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
