import type { DatasetCard } from '../data/card';
import type { ModelFormatName } from '../export/format-list';
import type { PickedFiles } from '../data/images/picked';
import type { FileSize, RunRecord } from '../store/idb';
import type { ModelShape } from '../train/model/infer';
import type { Eta } from '../train/renderer/eta';
import type { LayerList } from '../train/model/layer-spec';
import type { ClassificationReport, RegressionReport } from '../infer/evaluate';
import type { DatasetConfig, RunConfig } from './run-config';

/**
 * The worker boundary: every message between the studio and its training worker. Plain data
 * only; bump PROTOCOL_VERSION on any change to these types.
 */
export const PROTOCOL_VERSION = 9;

/** The Web Lock a live run holds, so a reopened studio can tell a dead run (tab killed) from a live one. */
export const runLock = (runId: string) => `kiln-run-${runId}`;

/** Metrics the studio registers as text only (shown in the table, not plotted). */
export const TEXT_METRICS: readonly string[] = ['Iteration Speed', 'Tensor Count'];

/** A backend the worker probed, and why it cannot be used if so. */
export interface BackendProbe {
  readonly name: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  readonly available: boolean;
  /** e.g. "no WebGPU adapter", "software adapter (SwiftShader): slow". */
  readonly note?: string;
}

/** Where a run stands. */
export type RunState = 'idle' | 'loading' | 'training' | 'validating' | 'paused' | 'stopping' | 'done' | 'stopped' | 'failed';

/** A file the worker made for the user to download: the run tree, one checkpoint, or the model (in `format`, TensorFlow.js by default). */
export type ExportKind = 'run' | 'checkpoint' | 'model';

/** One metric's points for one split: per iteration, and epoch means. */
export interface SplitSeries {
  readonly x: number[];
  readonly y: number[];
  readonly epochX: number[];
  readonly epochY: number[];
}

/** A numeric metric's train and valid series. */
export interface MetricSeries {
  readonly name: string;
  readonly train: SplitSeries;
  readonly valid: SplitSeries;
}

/** A stored run opened for viewing: series rebuilt from its metric logs, its log, config and files. */
export interface StoredRun {
  readonly record: RunRecord;
  /** The run's config.json, validated; null when missing or invalid. */
  readonly config: RunConfig | null;
  readonly series: MetricSeries[];
  readonly log: string[];
  /** Every file with its size (from the stored chunk sizes). */
  readonly files: FileSize[];
}

/** What the stored runs take: bytes per run id, and the origin's usage and quota when known. */
export interface StorageUsage {
  readonly runs: Readonly<Record<string, number>>;
  readonly usage?: number;
  readonly quota?: number;
}

/** What a model is trained for. */
export type Task = 'classification' | 'regression';

/** A file the user gave with a model: model.json, or a weights file its manifest names. */
export interface ModelFilePick {
  readonly name: string;
  readonly file: Blob;
}

/** One input column of a table model, as the "Try it" form offers it, with its default from the training split. */
export type FormColumn =
  | { readonly name: string; readonly kind: 'numeric'; readonly median: number }
  | { readonly name: string; readonly kind: 'categorical'; readonly categories: readonly string[]; readonly mode: string };

/** What a stored run's model takes and says, at one checkpoint. */
export interface ModelInfo {
  readonly runId: string;
  readonly epoch: number;
  readonly checkpoints: readonly number[];
  readonly task: 'classification' | 'regression';
  readonly classNames?: readonly string[];
  /** The label column of a table. */
  readonly label?: string;
  readonly input:
    | { readonly kind: 'image'; readonly size: number; readonly channels: 1 | 3; readonly fit: 'crop' | 'pad' }
    | { readonly kind: 'table'; readonly columns: readonly FormColumn[] };
}

/**
 * What to predict: RGBA pixels already at the model's size (the drawing pad), image files (dropped,
 * picked or pasted: decoded in the worker), table rows as text by column (the form), or a CSV/TSV
 * file whose predictions come back as the CLI's CSV too.
 */
export type PredictInput =
  | { readonly kind: 'pixels'; readonly rgba: Uint8ClampedArray }
  | { readonly kind: 'images'; readonly files: readonly File[] }
  | { readonly kind: 'rows'; readonly rows: readonly Readonly<Record<string, string>>[] }
  | { readonly kind: 'csv'; readonly file: File };

/** Predictions of one request: per input, class probabilities or values in the label's units. */
export interface PredictionsView {
  readonly task: 'classification' | 'regression';
  readonly rows: number;
  /** Each input's name: a row number, or a file name. */
  readonly names: readonly string[];
  readonly classNames?: readonly string[];
  /** rows × classes (classification). */
  readonly probabilities?: Float32Array;
  /** rows (regression), in the label's units. */
  readonly values?: Float32Array;
  /** For a CSV input: the predictions as `npm run predict` writes them, and a file name. */
  readonly csv?: { readonly fileName: string; readonly text: string };
}

/** A wrong (classification) or far-off (regression) validation item, shown as an image or a table row. */
export interface ErrorItem {
  /** The item's index in the validation split. */
  readonly row: number;
  /** Class indices (classification), or values in the label's units (regression). */
  readonly truth: number;
  readonly predicted: number;
  /** The probability of the (wrong) prediction; for regression the absolute error. */
  readonly confidence: number;
  /** Images: RGBA at the model's size. */
  readonly rgba?: Uint8ClampedArray;
  /** Tables: the row's feature values as the model saw them (missing values filled). */
  readonly cells?: readonly string[];
}

/** A checkpoint's errors on the run's validation split. */
export interface EvaluationView {
  readonly epoch: number;
  readonly report: ClassificationReport | RegressionReport;
  /** Classification: the most confident mistakes of each matrix cell (most confident first); regression: the largest errors. */
  readonly errors: readonly ErrorItem[];
  /** Tables: the names of `cells`. */
  readonly columns?: readonly string[];
  /** Images: the item size, for thumbnails. */
  readonly imageSize?: number;
  /** Regression: true and predicted values (label units) for the scatter. */
  readonly scatter?: { readonly truth: Float32Array; readonly predicted: Float32Array };
}

/** Commands the studio sends to the worker. */
export type Command =
  | { type: 'hello'; protocol: number }
  /** A new run (`resumeFrom` absent), or run `runId` continued from its checkpoint `resumeFrom`. */
  | { type: 'start'; runId: string; name: string; config: RunConfig; resumeFrom?: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'export'; requestId: string; runId: string; what: ExportKind; epoch?: number; format?: ModelFormatName }
  /** Mirror runs started from now on into this folder (null: stop mirroring). */
  | { type: 'mirror'; folder: FileSystemDirectoryHandle | null }
  /** An archive the user dropped; `bytes` is transferred, not copied. */
  | { type: 'import'; requestId: string; fileName: string; bytes: ArrayBuffer }
  /** Imports a dropped folder (a Kiln export unzipped, or a burn-train artifact folder); Files travel by reference. */
  | { type: 'import-folder'; requestId: string; picked: PickedFiles }
  /**
   * Reads a dropped or picked CSV/TSV, zip or folder (Files travel by reference); answered by
   * `dataset-card` with suggested choices, or an error. A new open cancels one in progress.
   */
  | { type: 'dataset-open'; requestId: string; picked: PickedFiles; encoding?: 'utf-8' | 'latin1' }
  /** The card for these choices (label, task, image size…) of the open or built-in dataset. */
  | { type: 'dataset-card'; requestId: string; dataset: DatasetConfig; validFraction: number; seed: number }
  /** Every stored run, newest first (runs left `running` by a killed tab are already marked interrupted). */
  | { type: 'runs-list'; requestId: string }
  /** A stored run for viewing; `untilEpoch` keeps the epochs a resume continues from. */
  | { type: 'run-open'; requestId: string; runId: string; untilEpoch?: number }
  /** A stored run's files and their sizes only (cheap: no file is read). */
  | { type: 'run-files'; requestId: string; runId: string }
  /** One stored file of a run as text (the artifact viewer). */
  | { type: 'run-text'; requestId: string; runId: string; path: string }
  | { type: 'run-rename'; requestId: string; runId: string; name: string }
  /** Deletes a run and all its files. */
  | { type: 'run-delete'; requestId: string; runId: string }
  | { type: 'storage-usage'; requestId: string }
  /**
   * Reads a TensorFlow.js model.json and the weights files given with it (Files travel by
   * reference) for data of `shape`; answered by `model-opened`. The worker keeps the weights for a
   * run that starts from them.
   */
  | { type: 'model-open'; requestId: string; files: ModelFilePick[]; shape: ModelShape; task: Task }
  /** Which step engine would train `config` on data of `shape`, and why; answered by `engine-check`. */
  | { type: 'engine-check'; requestId: string; config: RunConfig; shape: ModelShape; task: Task }
  /** What a run's model takes and says at checkpoint `epoch` (default: the last stored). */
  | { type: 'model-info'; requestId: string; runId: string; epoch?: number }
  /** Predicts inputs with a run's checkpoint (in the worker, on the backend it has). */
  | { type: 'predict'; requestId: string; runId: string; epoch: number; input: PredictInput }
  /** The confusion matrix, per-class scores and mistakes (or regression errors) of a checkpoint on the run's validation split. */
  | { type: 'evaluate'; requestId: string; runId: string; epoch: number }
  /** The page no longer waits for request `requestId`: the worker stops its work where it can. */
  | { type: 'cancel'; requestId: string };

/** A command that is answered: every one that carries a `requestId`, but `cancel`. */
export type Request = Exclude<Extract<Command, { requestId: string }>, { type: 'cancel' }>;

/** One metric value of one iteration. */
export interface MetricPoint {
  readonly name: string;
  /** Fractional epoch at the end of the iteration: epoch - 1 + iteration / iterations. */
  readonly x: number;
  readonly value: number;
  /** Epoch mean so far. */
  readonly running: number;
  readonly numeric: boolean;
}

/**
 * What a run is doing now, in the order it happens (version 8): reading its data, building the
 * model, compiling the step's kernels (up to the first trained step), training or validating an
 * epoch, saving an epoch's checkpoint. Sent when it changes, a few times an epoch.
 */
export type RunPhase =
  | { readonly name: 'data' | 'model' | 'compile' }
  /** Reading checkpoint `epoch` to resume from it (version 9). */
  | { readonly name: 'restore'; readonly epoch: number }
  | { readonly name: 'train' | 'valid' | 'checkpoint'; readonly epoch: number; readonly epochs: number };

/** Progress of the current split. */
export interface Progress {
  readonly split: 'train' | 'valid';
  readonly epoch: number;
  readonly epochTotal: number;
  readonly iteration: number;
  readonly iterationsTotal: number;
  readonly itemsPerSecond: number;
  /** Time left in this fit, from the steady pace after the first steps; null until that pace is known (version 8). */
  readonly eta: Eta | null;
}

/** Events the worker sends to the studio. */
export type WorkerEvent =
  | { type: 'ready'; protocol: number; backends: BackendProbe[] }
  | { type: 'state'; state: RunState; message?: string }
  | { type: 'phase'; phase: RunPhase }
  | { type: 'backend'; backend: string; skipped: string[] }
  /** The step engine that trains: 'compiled' (WebGPU, steps recorded once and submitted several at a time) or 'tfjs', and why. */
  | { type: 'engine'; engine: string; why: string }
  | { type: 'progress'; progress: Progress }
  | { type: 'metrics'; split: 'train' | 'valid'; points: MetricPoint[] }
  | { type: 'epoch'; epoch: number; means: { train: Record<string, number>; valid: Record<string, number> } }
  | { type: 'checkpoint'; epoch: number; action: 'saved' | 'deleted' }
  | { type: 'log'; lines: string[] }
  /** Something the user should see while the run goes on: a loss that went NaN or infinite in an epoch (the run's choice was to warn). */
  | { type: 'warning'; message: string }
  /** Stored runs changed (a run started, ended an epoch, ended, was imported, renamed or deleted): the runs list should reload. */
  | { type: 'runs-changed'; runId: string }
  | { type: 'runs'; requestId: string; runs: RunRecord[] }
  | { type: 'run'; requestId: string; run: StoredRun }
  | { type: 'run-files'; requestId: string; files: FileSize[] }
  | { type: 'text'; requestId: string; text: string }
  | { type: 'storage'; requestId: string; usage: StorageUsage }
  | { type: 'model-info'; requestId: string; info: ModelInfo }
  | { type: 'predictions'; requestId: string; predictions: PredictionsView }
  | { type: 'evaluation'; requestId: string; evaluation: EvaluationView }
  /** A request that answers nothing but that it is done (rename, delete). */
  | { type: 'done'; requestId: string }
  /** An export: the archive in parts (transferred), for a Blob. */
  | { type: 'file'; requestId: string; fileName: string; parts: ArrayBuffer[] }
  | { type: 'imported'; requestId: string; runId: string; name: string }
  /** Reading or decoding a dataset: `done` of `total` bytes or images. */
  | { type: 'dataset-progress'; requestId: string; phase: string; done: number; total: number }
  /** An opened model.json as a layer list (`initial` set when weights came with it), and the names and shapes of those weights. */
  | { type: 'model-opened'; requestId: string; config: LayerList; weights: { name: string; shape: number[] }[] | null }
  /** The engine a run would train on (`compiled`, `tfjs`) on `backend`, and why (for tfjs: why not compiled). */
  | { type: 'engine-check'; requestId: string; engine: string; why: string; backend: string }
  /** A dataset's card; after `dataset-open`, with the choices the studio suggests. */
  | { type: 'dataset-card'; requestId: string; card: DatasetCard; suggested?: DatasetConfig }
  /**
   * A request failed (`requestId` absent: the run itself). `code: 'not-utf8'`: a table that is not
   * UTF-8, which can be read again as Latin-1.
   */
  | { type: 'error'; message: string; requestId?: string; code?: 'not-utf8' };

/**
 * The event that answers each request (an `error` with its id answers any of them). The
 * client's `ask` is typed by it; the compiler checks that every request has its answer.
 */
export const REPLIES = {
  export: 'file',
  import: 'imported',
  'import-folder': 'imported',
  'dataset-open': 'dataset-card',
  'dataset-card': 'dataset-card',
  'runs-list': 'runs',
  'run-open': 'run',
  'run-files': 'run-files',
  'run-text': 'text',
  'run-rename': 'done',
  'run-delete': 'done',
  'storage-usage': 'storage',
  'model-open': 'model-opened',
  'engine-check': 'engine-check',
  'model-info': 'model-info',
  predict: 'predictions',
  evaluate: 'evaluation',
} as const satisfies Record<Request['type'], WorkerEvent['type']>;

/** The event that answers request type `T`. */
export type ReplyTo<T extends Request['type']> = Extract<WorkerEvent, { type: (typeof REPLIES)[T] }>;

export type { DatasetConfig, RunConfig } from './run-config';
export type { Eta } from '../train/renderer/eta';
export type { FileSize, RunRecord, RunStatus } from '../store/idb';
