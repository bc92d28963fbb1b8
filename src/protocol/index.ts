import type { DatasetCard } from '../data/card';
import type { PickedFiles } from '../data/images/picked';
import type { DatasetConfig, RunConfig } from './run-config';

/**
 * The worker boundary: every message between the studio and its training worker. Plain data
 * only; bump PROTOCOL_VERSION on any change to these types.
 */
export const PROTOCOL_VERSION = 3;

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

/** A file the worker made for the user to download. */
export type ExportKind = 'run' | 'checkpoint' | 'model';

/** Commands the studio sends to the worker. */
export type Command =
  | { type: 'hello'; protocol: number }
  /** A new run (`resumeFrom` absent), or run `runId` continued from its checkpoint `resumeFrom`. */
  | { type: 'start'; runId: string; name: string; config: RunConfig; resumeFrom?: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'export'; requestId: string; runId: string; what: ExportKind; epoch?: number }
  /** Mirror runs started from now on into this folder (null: stop mirroring). */
  | { type: 'mirror'; folder: FileSystemDirectoryHandle | null }
  /** An archive the user dropped; `bytes` is transferred, not copied. */
  | { type: 'import'; requestId: string; fileName: string; bytes: ArrayBuffer }
  /**
   * Reads a dropped or picked CSV/TSV, zip or folder (Files travel by reference); answered by
   * `dataset-card` with suggested choices, or an error. A new open cancels one in progress.
   */
  | { type: 'dataset-open'; requestId: string; picked: PickedFiles; encoding?: 'utf-8' | 'latin1' }
  /** The card for these choices (label, task, image size…) of the open or built-in dataset. */
  | { type: 'dataset-card'; requestId: string; dataset: DatasetConfig; validFraction: number; seed: number };

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

/** Progress of the current split. */
export interface Progress {
  readonly split: 'train' | 'valid';
  readonly epoch: number;
  readonly epochTotal: number;
  readonly iteration: number;
  readonly iterationsTotal: number;
  readonly itemsPerSecond: number;
  /** Seconds left in this fit, from the pace so far. */
  readonly etaSeconds: number;
}

/** Events the worker sends to the studio. */
export type WorkerEvent =
  | { type: 'ready'; protocol: number; backends: BackendProbe[] }
  | { type: 'state'; state: RunState; message?: string }
  | { type: 'backend'; backend: string; skipped: string[] }
  /** The step engine that trains: 'compiled' (WebGPU, steps recorded once and submitted several at a time) or 'tfjs', and why. */
  | { type: 'engine'; engine: string; why: string }
  | { type: 'progress'; progress: Progress }
  | { type: 'metrics'; split: 'train' | 'valid'; points: MetricPoint[] }
  | { type: 'epoch'; epoch: number; means: { train: Record<string, number>; valid: Record<string, number> } }
  | { type: 'checkpoint'; epoch: number; action: 'saved' | 'deleted' }
  | { type: 'log'; lines: string[] }
  /** Stored runs changed (a run started, ended, was imported): the runs list should reload. */
  | { type: 'runs-changed'; runId: string }
  /** An export: the archive in parts (transferred), for a Blob. */
  | { type: 'file'; requestId: string; fileName: string; parts: ArrayBuffer[] }
  | { type: 'imported'; requestId: string; runId: string; name: string }
  /** Reading or decoding a dataset: `done` of `total` bytes or images. */
  | { type: 'dataset-progress'; requestId: string; phase: string; done: number; total: number }
  /** A dataset's card; after `dataset-open`, with the choices the studio suggests. */
  | { type: 'dataset-card'; requestId: string; card: DatasetCard; suggested?: DatasetConfig }
  /**
   * A request failed (`requestId` absent: the run itself). `code: 'not-utf8'`: a table that is not
   * UTF-8, which can be read again as Latin-1.
   */
  | { type: 'error'; message: string; requestId?: string; code?: 'not-utf8' };

export type { DatasetConfig, RunConfig } from './run-config';
