import { useRef, useState, type DragEvent } from 'react';
import { pickedFromInput, type PickedFiles } from '../../data/images/picked';
import { IMAGE_SIZES } from '../../protocol/run-config';
import { FormField, options, type FormState } from '../config/FormField';
import { grouped } from '../components/format';
import type { DatasetView } from './use-dataset';

interface Props {
  readonly form: FormState;
  readonly data: DatasetView;
  /** Reads what was dropped on the zone (folders are walked on this thread). */
  readonly fromDrop: (transfer: DataTransfer) => Promise<PickedFiles>;
}

/** The data section of the run form: the dataset, a drop zone with pickers, progress, problems and the choices. */
export function DatasetPanel({ form, data, fromDrop }: Props) {
  const { values } = form;
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const own = values.source && values.sourceKind ? values.sourceKind : null;
  const columns = data.card?.kind === 'table' ? (data.card.columns ?? []).map((c) => c.name) : [];
  const labels = columns.length ? columns : values.label ? [values.label] : [];
  const pick = (input: HTMLInputElement | null) => {
    if (!input?.files?.length) return;
    const picked = pickedFromInput(input.files);
    input.value = ''; // the same file may be picked again
    data.open(picked);
  };
  const drop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (form.disabled) return;
    const picked = await fromDrop(e.dataTransfer);
    if (picked.files.length || picked.folders.length) data.open(picked);
  };
  const { progress, problem } = data;
  return (
    <fieldset>
      <legend>Data</legend>
      <FormField form={form} name="dataset" label="Dataset">
        <option value="mnist">MNIST digits (built in)</option>
        <option value="iris">Iris flowers (built in)</option>
        {own && <option value={own}>{values.source}</option>}
        {!own && (
          <option value="table" disabled>
            your data: drop it below
          </option>
        )}
      </FormField>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => (e.preventDefault(), setDragging(true))}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void drop(e)}
      >
        <p>Drop a CSV or TSV, an image folder (one subfolder per class) or a zip of one.</p>
        <div className="pickers">
          <button type="button" disabled={form.disabled} onClick={() => fileInput.current?.click()}>
            Choose a file…
          </button>
          <button type="button" disabled={form.disabled} onClick={() => folderInput.current?.click()}>
            Choose a folder…
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          hidden
          accept=".csv,.tsv,.txt,.zip,text/csv,text/tab-separated-values,application/zip"
          aria-label="Dataset file"
          onChange={(e) => pick(e.currentTarget)}
        />
        <input ref={folderInput} type="file" hidden multiple aria-label="Dataset folder" {...{ webkitdirectory: '' }} onChange={(e) => pick(e.currentTarget)} />
      </div>
      {progress && (
        <div className="dataset-progress">
          <label htmlFor="dataset-progress">
            {progress.phase}
            {progress.total ? `: ${grouped(progress.done)} of ${grouped(progress.total)}` : '…'}
          </label>
          <progress id="dataset-progress" max={progress.total || undefined} value={progress.total ? progress.done : undefined} />
        </div>
      )}
      {problem && (
        <div role="alert" className="errors dataset-problem">
          <p>{problem.message}</p>
          {problem.retryLatin1 && (
            <button type="button" onClick={problem.retryLatin1}>
              Read it as Latin-1
            </button>
          )}
          {problem.dismiss && (
            <button type="button" onClick={problem.dismiss}>
              Dismiss
            </button>
          )}
        </div>
      )}
      <FormField form={form} name="samples" label="Samples" hint="the first N digits (≤ 10,000)" />
      <FormField form={form} name="label" label="Column to predict">
        {options(labels)}
      </FormField>
      <FormField form={form} name="task" label="Task">
        <option value="classification">classification</option>
        <option value="regression">regression (MSE)</option>
      </FormField>
      <FormField form={form} name="missing" label="Missing values">
        <option value="drop">drop those rows</option>
        <option value="fill">fill (mean / most frequent)</option>
      </FormField>
      <FormField form={form} name="imageSize" label="Image size" hint="square, in pixels">
        {options(IMAGE_SIZES)}
      </FormField>
      <FormField form={form} name="channels" label="Colour">
        <option value="1">grayscale</option>
        <option value="3">RGB</option>
      </FormField>
      <FormField form={form} name="fit" label="Fit">
        <option value="crop">centre crop</option>
        <option value="pad">pad (letterbox)</option>
      </FormField>
      <FormField form={form} name="validFraction" label="Validation fraction" hint="held out, stratified, seeded" />
    </fieldset>
  );
}
