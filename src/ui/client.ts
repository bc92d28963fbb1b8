import { PROTOCOL_VERSION, type Command, type ExportKind, type WorkerEvent } from '../protocol/index';
import type { RunConfig } from '../protocol/run-config';

/** Owns the training worker's lifetime; the UI's one way to talk to it. */
export class TrainingClient {
  private worker: Worker | null = null;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private readonly pending = new Map<string, { resolve: (e: WorkerEvent) => void; reject: (e: Error) => void }>();
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
    if (waiting) {
      this.pending.delete(requestId!);
      if (event.type === 'error') waiting.reject(new Error(event.message));
      else waiting.resolve(event);
      return;
    }
    for (const l of this.listeners) l(event);
  }

  private send(command: Command, transfer: Transferable[] = []): void {
    this.worker?.postMessage(command, transfer);
  }

  /** Sends a request and resolves with the event that answers it (or rejects with its error). */
  private ask<T extends WorkerEvent>(make: (requestId: string) => Command, transfer: Transferable[] = []): Promise<T> {
    const requestId = `r${++this.requests}`;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (e: WorkerEvent) => void, reject });
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
