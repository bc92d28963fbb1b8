/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import { PROTOCOL_VERSION, runLock, type BackendProbe, type Command, type WorkerEvent } from '../protocol/index';
import { RunConfigSchema } from '../protocol/run-config';
import { KilnDb } from '../store/idb';
import { TrainingInterrupter } from '../train/learner/interrupter';
import { exportArtifacts, importArchive } from './artifacts';
import { probeBackends, registerBackends } from './backends';
import { DatasetHost } from './datasets';
import { runTraining } from './run';
import { isNotUtf8 } from '../data/table/errors';

// The training worker: hosts the Learner and the run archive work; speaks only the protocol.
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (event: WorkerEvent, transfer: Transferable[] = []) => scope.postMessage(event, transfer);

tf.env().set('PROD', true); // skip tfjs's per-op debug checks
// cpu until a run picks its backend, so archive work (import checks, model export) has one too.
const ready: Promise<BackendProbe[]> = registerBackends().then(async () => {
  await tf.setBackend('cpu');
  return probeBackends();
});
const kiln = KilnDb.open();
let current: TrainingInterrupter | null = null;
let mirror: FileSystemDirectoryHandle | null = null;
const datasets = new DatasetHost();

async function start(command: Extract<Command, { type: 'start' }>): Promise<void> {
  if (current) return post({ type: 'error', message: 'a run is already in progress; stop it first' });
  const parsed = RunConfigSchema.safeParse(command.config);
  if (!parsed.success) return post({ type: 'error', message: `invalid run config: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}` });
  const interrupter = (current = new TrainingInterrupter());
  const { runId } = command;
  try {
    const [probes, db] = await Promise.all([ready, kiln]);
    const config = parsed.data;
    const { dataset } = config;
    const prepare = (progress: (phase: string, done: number, total: number) => void) => {
      if (dataset.type === 'mnist') throw new Error('MNIST is not prepared: it ships with the studio');
      return datasets.prepared(dataset, config.validFraction, config.seed, progress);
    };
    const run = () => runTraining({ runId, name: command.name, config, resumeFrom: command.resumeFrom, kiln: db, mirror, probes, interrupter, post, prepare });
    const end = await navigator.locks.request(runLock(runId), run);
    post({ type: 'state', state: end.state, message: end.reason });
  } catch (e) {
    const message = (e as Error).message;
    post({ type: 'error', message });
    post({ type: 'state', state: 'failed', message });
    await (await kiln).updateRun(runId, { status: 'failed', message }).catch(() => {});
    post({ type: 'runs-changed', runId });
  } finally {
    current = null;
  }
}

/** Runs a request, answering its failure with an error event that carries its id. */
async function request(requestId: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    post({ type: 'error', requestId, message: (e as Error).message, ...(isNotUtf8(e) ? { code: 'not-utf8' as const } : {}) });
  }
}

/** Reports a dataset request's progress. */
const progressOf = (requestId: string) => (phase: string, done: number, total: number) => post({ type: 'dataset-progress', requestId, phase, done, total });

scope.onmessage = (e: MessageEvent<Command>) => {
  const command = e.data;
  switch (command.type) {
    case 'hello':
      if (command.protocol !== PROTOCOL_VERSION) {
        post({ type: 'error', message: `protocol mismatch: the page speaks version ${command.protocol}, the worker ${PROTOCOL_VERSION}; reload the page` });
        return;
      }
      void ready.then((backends) => post({ type: 'ready', protocol: PROTOCOL_VERSION, backends }));
      return;
    case 'start':
      void start(command);
      return;
    case 'pause':
      current?.pause();
      return;
    case 'resume':
      current?.resume();
      return;
    case 'stop':
      if (current) {
        current.stop('stopped by the user');
        post({ type: 'state', state: 'stopping' });
      }
      return;
    case 'mirror':
      mirror = command.folder;
      return;
    case 'export':
      void request(command.requestId, async () => {
        await ready;
        const file = await exportArtifacts(await kiln, command.runId, command.what, command.epoch);
        post({ type: 'file', requestId: command.requestId, fileName: file.fileName, parts: file.parts }, file.parts);
      });
      return;
    case 'dataset-open':
      void request(command.requestId, async () => {
        const { card, suggested } = await datasets.open(command.picked, command.encoding ?? 'utf-8', progressOf(command.requestId));
        post({ type: 'dataset-card', requestId: command.requestId, card, suggested });
      });
      return;
    case 'dataset-card':
      void request(command.requestId, async () => {
        const card = await datasets.card(command.dataset, command.validFraction, command.seed, progressOf(command.requestId));
        post({ type: 'dataset-card', requestId: command.requestId, card });
      });
      return;
    case 'import':
      void request(command.requestId, async () => {
        await ready;
        const run = await importArchive(await kiln, command.fileName, new Uint8Array(command.bytes));
        post({ type: 'imported', requestId: command.requestId, runId: run.id, name: run.name });
        post({ type: 'runs-changed', runId: run.id });
      });
      return;
  }
};
