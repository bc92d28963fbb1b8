import type { DatasetCard } from '../data/card';
import type { PickedFiles } from '../data/images/picked';
import { PROTOCOL_VERSION, type Command, type ExportKind, type WorkerEvent } from '../protocol/index';
import type { DatasetConfig, RunConfig } from '../protocol/run-config';

/** Progress of a long request: `done` of `total` in its current phase. */
export type ProgressFn = (phase: string, done: number, total: number) => void;

/** A failed request; `code` tells a kind the UI offers a way out of (a table that is not UTF-8). */
export class RequestError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

interface Waiting {
  resolve: (e: WorkerEvent) => void;
  reject: (e: Error) => void;
  progress?: ProgressFn;
}

/** Owns the training worker's lifetime; the UI's one way to talk to it. */
export class TrainingClient {
  private worker: Worker | null = null;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private readonly pending = new Map<string, Waiting>();
  private requests = 0;

  /** Starts the worker and says hello; events go to every listener. */
  connect(): void {
    if (this.worker) return;
    const worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module', name: 'kiln-training' });
    worker.onmessage = (e: MessageEvent<WorkerEvent>) => this.emit(e.data);
    // A crash in the worker (an uncaught error, a failed module load) is reported, not swallowed.
    worker.onerror = (e) => {
      e.preventDefault();
      this.emit({ type: 'error', message: `the training worker crashed: ${e.message || 'unknown error'}` });
      this.emit({ type: 'state', state: 'failed', message: e.message });
    };
    worker.onmessageerror = () => this.emit({ type: 'error', message: 'a message from the training worker could not be read' });
    this.worker = worker;
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION });
  }

  private emit(event: WorkerEvent): void {
    const requestId = 'requestId' in event ? event.requestId : undefined;
    const waiting = requestId !== undefined ? this.pending.get(requestId) : undefined;
    if (waiting && event.type === 'dataset-progress') return waiting.progress?.(event.phase, event.done, event.total);
    if (waiting) {
      this.pending.delete(requestId!);
      if (event.type === 'error') waiting.reject(new RequestError(event.message, event.code));
      else waiting.resolve(event);
      return;
    }
    for (const l of this.listeners) l(event);
  }

  private send(command: Command, transfer: Transferable[] = []): void {
    this.worker?.postMessage(command, transfer);
  }

  /** Sends a request and resolves with the event that answers it (or rejects with its error). */
  private ask<T extends WorkerEvent>(make: (requestId: string) => Command, transfer: Transferable[] = [], progress?: ProgressFn): Promise<T> {
    const requestId = `r${++this.requests}`;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (e: WorkerEvent) => void, reject, progress });
      this.send(make(requestId), transfer);
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

  /** Builds a download of a stored run, checkpoint or model. */
  async exportFile(runId: string, what: ExportKind, epoch?: number): Promise<{ fileName: string; blob: Blob }> {
    const e = await this.ask<Extract<WorkerEvent, { type: 'file' }>>((requestId) => ({ type: 'export', requestId, runId, what, epoch }));
    return { fileName: e.fileName, blob: new Blob(e.parts, { type: 'application/zip' }) };
  }

  /** Imports an exported run or checkpoint archive as a new run. */
  async importArchive(file: File): Promise<{ runId: string; name: string }> {
    const bytes = await file.arrayBuffer();
    return this.ask<Extract<WorkerEvent, { type: 'imported' }>>((requestId) => ({ type: 'import', requestId, fileName: file.name, bytes }), [bytes]);
  }

  /** Reads a dropped table, zip or folder in the worker; resolves with its card and the suggested choices. */
  async openDataset(picked: PickedFiles, encoding: 'utf-8' | 'latin1', progress: ProgressFn): Promise<{ card: DatasetCard; suggested: DatasetConfig }> {
    const e = await this.ask<Extract<WorkerEvent, { type: 'dataset-card' }>>((requestId) => ({ type: 'dataset-open', requestId, picked, encoding }), [], progress);
    return { card: e.card, suggested: e.suggested! };
  }

  /** The card of a dataset under these choices (re-decoding images at a new size, say). */
  async datasetCard(dataset: DatasetConfig, validFraction: number, seed: number, progress: ProgressFn): Promise<DatasetCard> {
    const e = await this.ask<Extract<WorkerEvent, { type: 'dataset-card' }>>((requestId) => ({ type: 'dataset-card', requestId, dataset, validFraction, seed }), [], progress);
    return e.card;
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

  /** Ends the worker at once (page teardown). */
  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
