import { PROTOCOL_VERSION, type Command, type WorkerEvent } from '../protocol/index';
import type { RunConfig } from '../protocol/run-config';

/** Owns the training worker's lifetime; the UI's one way to talk to it. */
export class TrainingClient {
  private worker: Worker | null = null;
  private readonly listeners = new Set<(event: WorkerEvent) => void>();

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
    for (const l of this.listeners) l(event);
  }

  private send(command: Command): void {
    this.worker?.postMessage(command);
  }

  /** Subscribes to worker events; returns the unsubscribe function. */
  subscribe(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a run. */
  start(runId: string, config: RunConfig): void {
    this.send({ type: 'start', runId, config });
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
