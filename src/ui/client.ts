import type { DatasetCard } from '../data/card';
import type { PickedFiles } from '../data/images/picked';
import type { ModelFormatName } from '../export/format-list';
import { PROTOCOL_VERSION, type Command, type ExportKind, type ReplyTo, type Request, type WorkerEvent } from '../protocol/index';
import type { DatasetConfig, RunConfig } from '../protocol/run-config';

/** Progress of a long request: `done` of `total` in its current phase. */
export type ProgressFn = (phase: string, done: number, total: number) => void;

/** A failed request; `code` tells a kind the UI offers a way out of (a table that is not UTF-8). */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What `ask` takes besides the command: buffers to transfer, progress, a cancel signal. */
export interface AskOptions {
  readonly transfer?: Transferable[];
  readonly progress?: ProgressFn;
  /** Aborting it rejects the request with an AbortError and tells the worker to stop its work. */
  readonly signal?: AbortSignal;
}

/** A request as the caller writes it: the client adds the id. */
export type Ask = Request extends infer R ? (R extends Request ? Omit<R, 'requestId'> : never) : never;

interface Waiting {
  resolve: (e: WorkerEvent) => void;
  reject: (e: Error) => void;
  progress?: ProgressFn;
}

/** The part of a Worker the client uses (a fake one in tests). */
export type WorkerLike = Pick<Worker, 'postMessage' | 'terminate' | 'onmessage' | 'onerror' | 'onmessageerror'>;

/** The studio's training worker, a bundle of its own. */
const newTrainingWorker = (): Worker => new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module', name: 'kiln-training' });

/** A worker started before the studio's code arrived, for the first client to take, and the errors it raised meanwhile. */
let early: { worker: Worker; errors: ErrorEvent[] } | null = null;

/**
 * Starts the training worker at once, so that it loads TensorFlow.js and the built-in digits
 * while the page loads the studio. It posts nothing before the client's hello; an error it raises
 * before a client takes it (a failed module load) is kept and reported by the client.
 */
export function startWorkerEarly(): void {
  if (early) return;
  const worker = newTrainingWorker();
  const errors: ErrorEvent[] = [];
  worker.onerror = (e) => {
    e.preventDefault();
    errors.push(e);
  };
  early = { worker, errors };
}

/** The early worker, with its kept errors raised again on the client's handler, or a new one. */
const trainingWorker = (): WorkerLike => {
  if (!early) return newTrainingWorker();
  const { worker, errors } = early;
  early = null;
  queueMicrotask(() => {
    for (const e of errors) worker.onerror?.(e);
  });
  return worker;
};

/** The error a cancelled request rejects with. */
const aborted = () => new DOMException('the request was cancelled', 'AbortError');

/** Owns the training worker's lifetime; the UI's one way to talk to it. */
export class TrainingClient {
  private worker: WorkerLike | null = null;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private readonly pending = new Map<string, Waiting>();
  private requests = 0;

  constructor(private readonly spawn: () => WorkerLike = trainingWorker) {}

  /** Starts the worker and says hello; events go to every listener. */
  connect(): void {
    if (this.worker) return;
    const worker = this.spawn();
    worker.onmessage = (e: MessageEvent<WorkerEvent>) => this.emit(e.data);
    // A crash in the worker (an uncaught error, a failed module load) is reported, not swallowed,
    // and nobody waits for an answer that may never come.
    worker.onerror = (e) => {
      e.preventDefault();
      const message = `the training worker crashed: ${e.message || 'unknown error'}`;
      this.rejectAll(new RequestError(message));
      this.emit({ type: 'error', message });
      this.emit({ type: 'state', state: 'failed', message: e.message });
    };
    worker.onmessageerror = () => this.emit({ type: 'error', message: 'a message from the training worker could not be read' });
    this.worker = worker;
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION });
  }

  private emit(event: WorkerEvent): void {
    if (!('requestId' in event) || event.requestId === undefined) {
      for (const l of this.listeners) l(event);
      return;
    }
    // An answer nobody waits for (its request was cancelled) is dropped.
    const waiting = this.pending.get(event.requestId);
    if (!waiting) return;
    if (event.type === 'dataset-progress') return waiting.progress?.(event.phase, event.done, event.total);
    this.pending.delete(event.requestId);
    if (event.type === 'error') waiting.reject(new RequestError(event.message, event.code));
    else waiting.resolve(event);
  }

  private rejectAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(error);
  }

  private send(command: Command, transfer: Transferable[] = []): void {
    this.worker?.postMessage(command, transfer);
  }

  /** Sends a request and resolves with the event that answers it (or rejects with its error). */
  ask<C extends Ask>(command: C, { transfer = [], progress, signal }: AskOptions = {}): Promise<ReplyTo<C['type']>> {
    return new Promise<ReplyTo<C['type']>>((resolve, reject) => {
      if (signal?.aborted) return reject(aborted());
      if (!this.worker) return reject(new RequestError('the training worker is not running'));
      const requestId = `r${++this.requests}`;
      const onAbort = () => {
        if (!this.pending.delete(requestId)) return;
        this.send({ type: 'cancel', requestId });
        reject(aborted());
      };
      const settle = () => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(requestId, {
        // The worker answers request type T with REPLIES[T] (src/protocol/index.ts).
        resolve: (e) => (settle(), resolve(e as ReplyTo<C['type']>)),
        reject: (e) => (settle(), reject(e)),
        progress,
      });
      this.send({ ...command, requestId } as Request, transfer);
    });
  }

  /** Subscribes to worker events; returns the unsubscribe function. */
  subscribe(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a new run, or continues stored run `runId` from its checkpoint `resumeFrom`. */
  start(runId: string, name: string, config: RunConfig, resumeFrom?: number): void {
    this.send({ type: 'start', runId, name, config, resumeFrom });
  }

  /** Mirrors runs started from now on into a folder on disk (null stops it). */
  mirrorTo(folder: FileSystemDirectoryHandle | null): void {
    this.send({ type: 'mirror', folder });
  }

  /** Builds a download of a stored run, checkpoint or model (in `format`). */
  async exportFile(runId: string, what: ExportKind, epoch?: number, signal?: AbortSignal, format?: ModelFormatName): Promise<{ fileName: string; blob: Blob }> {
    const e = await this.ask({ type: 'export', runId, what, epoch, format }, { signal });
    const type = e.fileName.endsWith('.zip') ? 'application/zip' : 'application/octet-stream';
    return { fileName: e.fileName, blob: new Blob(e.parts, { type }) };
  }

  /** Imports an exported run or checkpoint archive, or a zipped burn-train run, as a new run. */
  async importArchive(file: File): Promise<{ runId: string; name: string }> {
    const bytes = await file.arrayBuffer();
    return this.ask({ type: 'import', fileName: file.name, bytes }, { transfer: [bytes] });
  }

  /** Imports a dropped or picked folder (a burn-train artifact folder, or an unzipped Kiln export) as a new run. */
  importFolder(picked: PickedFiles): Promise<{ runId: string; name: string }> {
    return this.ask({ type: 'import-folder', picked });
  }

  /** Reads a dropped table, zip or folder in the worker; resolves with its card and the suggested choices. */
  async openDataset(
    picked: PickedFiles,
    encoding: 'utf-8' | 'latin1',
    progress: ProgressFn,
    signal?: AbortSignal,
  ): Promise<{ card: DatasetCard; suggested: DatasetConfig }> {
    const e = await this.ask({ type: 'dataset-open', picked, encoding }, { progress, signal });
    return { card: e.card, suggested: e.suggested! };
  }

  /** The card of a dataset under these choices (re-decoding images at a new size, say). */
  async datasetCard(dataset: DatasetConfig, validFraction: number, seed: number, progress: ProgressFn, signal?: AbortSignal): Promise<DatasetCard> {
    return (await this.ask({ type: 'dataset-card', dataset, validFraction, seed }, { progress, signal })).card;
  }

  /** Holds the run before its next step. */
  pause(): void {
    this.send({ type: 'pause' });
  }

  /** Continues a paused run. */
  resume(): void {
    this.send({ type: 'resume' });
  }

  /** Ends the run at the next step; completed epochs keep their checkpoints. */
  stop(): void {
    this.send({ type: 'stop' });
  }

  /** Ends the worker at once (page teardown); requests still waiting reject. */
  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.rejectAll(new RequestError('the training worker was terminated'));
  }
}
