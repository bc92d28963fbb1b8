import type { StoredSplit } from '../data/stored';
import { BrowserDecoder } from '../data/images/browser-decoder';
import { itemRgba } from '../data/images/pixels';
import { READ_FORMATS, sniffImage } from '../data/images/sniff';
import { parseTable } from '../data/table/parser';
import { csvField, predictionsCsv } from '../infer/csv';
import { evaluate, mistakes } from '../infer/evaluate';
import { imageInputs, tableInputs, type Inputs } from '../infer/inputs';
import { loadModel, runSplit, storedCheckpoints, type LoadedModel } from '../infer/load';
import { predict } from '../infer/predict';
import { columnDefaults, featureCells } from '../infer/table-rows';
import type { ErrorItem, EvaluationView, ModelInfo, PredictInput, PredictionsView } from '../protocol/index';
import type { KilnDb } from '../store/idb';
import { loadMnist } from './mnist';

/** Mistakes kept per cell of the confusion matrix: enough to fill the studio's list when a cell is picked. */
const MISTAKES_PER_CELL = 12;
/** Regression errors sent (the largest), and points of the scatter at most. */
const LARGEST = 24;
const SCATTER = 2000;

/**
 * The studio's inference, in the worker: one run's checkpoint loaded at a time (kept for the next
 * request: the drawing pad asks several times a second), the run's split read once per run.
 */
export class InferenceHost {
  private loaded: { key: string; model: Promise<LoadedModel> } | null = null;
  private split: { runId: string; data: Promise<StoredSplit> } | null = null;
  private readonly decoder = new BrowserDecoder();

  constructor(private readonly kiln: Promise<KilnDb>) {}

  /** Drops what is loaded of run `runId` (it trained on, was resumed over, or was deleted). */
  forget(runId: string): void {
    if (this.loaded?.key.startsWith(`${runId}@`)) {
      void this.loaded.model.then(
        (m) => m.model.dispose(),
        () => {},
      );
      this.loaded = null;
    }
    if (this.split?.runId === runId) this.split = null;
  }

  private async model(runId: string, epoch?: number): Promise<LoadedModel> {
    const db = await this.kiln;
    const n = epoch ?? (await storedCheckpoints(db.store(runId))).at(-1);
    const key = `${runId}@${n}`;
    if (this.loaded?.key !== key) {
      const previous = this.loaded?.model;
      this.loaded = { key, model: loadModel(db.store(runId), n) };
      this.loaded.model.catch(() => (this.loaded = null));
      void previous?.then(
        (m) => m.model.dispose(),
        () => {},
      );
    }
    return this.loaded.model;
  }

  private async data(runId: string, loaded: LoadedModel): Promise<StoredSplit> {
    if (this.split?.runId !== runId) {
      const store = (await this.kiln).store(runId);
      this.split = { runId, data: runSplit(loaded.source, store, () => loadMnist(() => {})) };
      this.split.data.catch(() => (this.split = null));
    }
    return this.split.data;
  }

  /** What the run's model takes and says; a table's form defaults are the training split's medians and modes. */
  async info(runId: string, epoch?: number): Promise<ModelInfo> {
    const loaded = await this.model(runId, epoch);
    const { output } = loaded;
    const base = {
      runId,
      epoch: loaded.epoch,
      checkpoints: loaded.checkpoints,
      task: output.task,
      ...(output.task === 'classification' ? { classNames: output.classNames } : output.label ? { label: output.label } : {}),
    };
    if (loaded.input.kind === 'image') return { ...base, input: { kind: 'image', ...loaded.input.image } };
    const pre = loaded.input.preprocessing;
    const defaults = columnDefaults(pre, (await this.data(runId, loaded)).train);
    const columns = pre.features.map((f, i) =>
      f.kind === 'numeric'
        ? { name: f.name, kind: 'numeric' as const, median: defaults[i] as number }
        : { name: f.name, kind: 'categorical' as const, categories: f.categories, mode: defaults[i] as string },
    );
    return { ...base, ...(base.task === 'classification' ? { label: pre.label.name } : {}), input: { kind: 'table', columns } };
  }

  /** The input as the model's inputs, each named. */
  private async inputs(loaded: LoadedModel, input: PredictInput, signal: AbortSignal): Promise<{ inputs: Inputs; names: string[] }> {
    if (input.kind === 'pixels' || input.kind === 'images') {
      if (loaded.input.kind !== 'image') throw new Error('this model takes table rows, not images');
      const shape = loaded.input.image;
      if (input.kind === 'pixels') return { inputs: imageInputs(shape, [input.rgba]), names: ['drawing'] };
      const images: Uint8ClampedArray[] = [];
      for (const file of input.files) {
        signal.throwIfAborted();
        const bytes = new Uint8Array(await file.arrayBuffer());
        const sniffed = sniffImage(bytes);
        if (sniffed.kind !== 'image') throw new Error(`${file.name}: not an image (${READ_FORMATS})`);
        images.push(await this.decoder.decode(bytes, sniffed.mime, shape).catch((e: Error) => Promise.reject(new Error(`${file.name}: ${e.message}`))));
      }
      return { inputs: imageInputs(shape, images), names: input.files.map((f) => f.name) };
    }
    if (loaded.input.kind !== 'table') throw new Error('this model takes images, not table rows');
    const encoding = loaded.source.dataset.type === 'table' ? loaded.source.dataset.encoding : 'utf-8';
    let bytes: Uint8Array;
    let fileName: string;
    if (input.kind === 'csv') {
      bytes = new Uint8Array(await input.file.arrayBuffer());
      fileName = input.file.name;
    } else {
      // The form's rows go through the CSV reader, so they are typed and checked as a file would be.
      const names = loaded.input.preprocessing.features.map((f) => f.name);
      const lines = [names, ...input.rows.map((r) => names.map((n) => r[n] ?? ''))].map((cells) => cells.map(csvField).join(','));
      bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
      fileName = 'the form';
    }
    const inputs = tableInputs(loaded, parseTable(bytes, { fileName, encoding: input.kind === 'csv' ? encoding : 'utf-8' }));
    return { inputs, names: Array.from({ length: inputs.rows }, (_, i) => String(i + 1)) };
  }

  /** Predicts the input with the run's checkpoint `epoch`. */
  async predict(runId: string, epoch: number, input: PredictInput, signal: AbortSignal): Promise<PredictionsView> {
    const loaded = await this.model(runId, epoch);
    const { inputs, names } = await this.inputs(loaded, input, signal);
    const p = await predict(loaded, inputs.x, inputs.rows);
    const view = p.task === 'classification' ? { classNames: p.classNames, probabilities: p.probabilities } : { values: p.values };
    const csv = input.kind === 'csv' ? { fileName: `${input.file.name.replace(/\.\w+$/, '')}-predictions.csv`, text: predictionsCsv(p, names) } : undefined;
    return { task: p.task, rows: p.rows, names, ...view, ...(csv ? { csv } : {}) };
  }

  /** The checkpoint's report on the validation split, with its mistakes (or largest errors) to show. */
  async evaluate(runId: string, epoch: number): Promise<EvaluationView> {
    const loaded = await this.model(runId, epoch);
    const { valid } = await this.data(runId, loaded);
    const evaluation = await evaluate(loaded, valid, LARGEST);
    const input = loaded.input;
    const size = loaded.inputShape.reduce((a, b) => a * b, 1);
    const shown = (row: number) =>
      input.kind === 'image' ? { rgba: itemRgba(valid.x, row * size, input.image) } : { cells: featureCells(input.preprocessing, valid.x, row) };
    const columns = input.kind === 'table' ? { columns: input.preprocessing.features.map((f) => f.name) } : { imageSize: input.image.size };
    if (evaluation.report.task === 'classification' && evaluation.predictions.task === 'classification') {
      const classes = evaluation.report.classNames.length;
      const errors: ErrorItem[] = [];
      for (let t = 0; t < classes; t++)
        for (let p = 0; p < classes; p++)
          if (t !== p && evaluation.report.matrix[t][p] > 0)
            for (const m of mistakes(evaluation.predictions, evaluation.truth as Int32Array, MISTAKES_PER_CELL, { truth: t, predicted: p }))
              errors.push({ ...m, ...shown(m.row) });
      errors.sort((a, b) => b.confidence - a.confidence);
      return { epoch: loaded.epoch, report: evaluation.report, errors, ...columns };
    }
    const report = evaluation.report;
    if (report.task !== 'regression' || evaluation.predictions.task !== 'regression') throw new Error('evaluate: report and predictions disagree');
    const errors = report.largest.map((e) => ({ row: e.row, truth: e.truth, predicted: e.prediction, confidence: Math.abs(e.error), ...shown(e.row) }));
    const step = Math.max(1, Math.ceil(report.items / SCATTER));
    const pick = (a: Float32Array) => a.filter((_, i) => i % step === 0);
    return {
      epoch: loaded.epoch,
      report,
      errors,
      ...columns,
      scatter: { truth: pick(evaluation.truth as Float32Array), predicted: pick(evaluation.predictions.values) },
    };
  }
}
