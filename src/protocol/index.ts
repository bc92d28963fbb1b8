import type { RunConfig } from './run-config';

/**
 * The worker boundary: every message between the studio and its training worker. Plain data
 * only; bump PROTOCOL_VERSION on any change to these types.
 */
export const PROTOCOL_VERSION = 1;

/** A backend the worker probed, and why it cannot be used if so. */
export interface BackendProbe {
  readonly name: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  readonly available: boolean;
  /** e.g. "no WebGPU adapter", "software adapter (SwiftShader): slow". */
  readonly note?: string;
}

/** Where a run stands. */
export type RunState = 'idle' | 'loading' | 'training' | 'validating' | 'paused' | 'stopping' | 'done' | 'stopped' | 'failed';

/** Commands the studio sends to the worker. */
export type Command =
  | { type: 'hello'; protocol: number }
  | { type: 'start'; runId: string; config: RunConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

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
  | { type: 'progress'; progress: Progress }
  | { type: 'metrics'; split: 'train' | 'valid'; points: MetricPoint[] }
  | { type: 'epoch'; epoch: number; means: { train: Record<string, number>; valid: Record<string, number> } }
  | { type: 'checkpoint'; epoch: number; action: 'saved' | 'deleted' }
  | { type: 'log'; lines: string[] }
  | { type: 'error'; message: string };

export type { RunConfig } from './run-config';
