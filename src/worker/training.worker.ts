/// <reference lib="webworker" />
import { PROTOCOL_VERSION, runLock, type BackendProbe, type Command, type WorkerEvent } from '../protocol/index';
import { checkSettings, RunConfigSchema } from '../protocol/run-config';
import { blockingCheck, startChecks } from '../data/checks';
import { readText } from '../store/base';
import { KilnDb } from '../store/idb';
import { TrainingInterrupter } from '../train/learner/interrupter';
import { probeBackends } from './backends';
import { markInterrupted, openRun, StorageCounter } from './browse';
import { DatasetHost } from './datasets';
import { ModelHost } from './models';
import type { InferenceHost } from './inference';
import { prefetchMnist } from './mnist';
import { isNotUtf8 } from '../data/table/errors';

// The training worker: hosts the Learner and the run archive work; speaks only the protocol.
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (event: WorkerEvent, transfer: Transferable[] = []) => {
  // A changed run's size is counted again when the storage panel next asks, and its model loaded again.
  if (event.type === 'runs-changed') {
    storage.forget(event.runId);
    inferenceHost?.forget(event.runId);
  }
  scope.postMessage(event, transfer);
};

prefetchMnist();
// The backends are probed without TensorFlow.js, so the page's hello is answered at once.
const ready: Promise<BackendProbe[]> = probeBackends();
/** TensorFlow.js and what needs it, loaded once: after the hello is answered, or by the first request that needs it. */
let trainerModule: Promise<typeof import('./trainer')> | null = null;
let trainerLoaded = false;
const trainer = () =>
  (trainerModule ??= import('./trainer').then(async (m) => {
    await m.startTfjs();
    trainerLoaded = true;
    return m;
  }));
// Runs a killed tab left "running" are marked before anyone lists or starts a run.
const kiln = KilnDb.open().then(async (db) => {
  await markInterrupted(db);
  return db;
});
const storage = new StorageCounter(kiln);
/** Requests in progress, to cancel. */
const inFlight = new Map<string, AbortController>();
let current: TrainingInterrupter | null = null;
/** The run `current` trains. */
let training: string | null = null;
let mirror: FileSystemDirectoryHandle | null = null;
const datasets = new DatasetHost();
const models = new ModelHost();
let inferenceHost: InferenceHost | null = null;
/** The studio's inference (it needs TensorFlow.js), made on the first request for it. */
const inference = async () => {
  const { InferenceHost } = await trainer();
  inferenceHost ??= new InferenceHost(kiln);
  return inferenceHost;
};

async function start(command: Extract<Command, { type: 'start' }>): Promise<void> {
  if (current) return post({ type: 'error', message: 'a run is already in progress; stop it first' });
  const parsed = RunConfigSchema.safeParse(command.config);
  if (!parsed.success)
    return post({ type: 'error', message: `invalid run config: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}` });
  const interrupter = (current = new TrainingInterrupter());
  const { runId } = command;
  training = runId;
  try {
    if (!trainerLoaded) post({ type: 'state', state: 'loading', message: 'Loading TensorFlow.js' });
    const config = parsed.data;
    const { dataset } = config;
    // A new run starts only on data it can train on, checked as the form checks it (a resumed run has its data stored).
    if (command.resumeFrom === undefined) {
      const card = await datasets.card(dataset, config.validFraction, config.seed, () => {});
      const blocking = blockingCheck(startChecks(card, checkSettings(config)));
      if (blocking) throw new Error(blocking.message);
    }
    const [probes, db, { runTraining }] = await Promise.all([ready, kiln, trainer()]);
    const prepare = (progress: (phase: string, done: number, total: number) => void) => {
      if (dataset.type === 'mnist') throw new Error('MNIST is not prepared: it ships with the studio');
      return datasets.prepared(dataset, config.validFraction, config.seed, progress);
    };
    const imported = models.weightsFor(config);
    const run = () =>
      runTraining({ runId, name: command.name, config, resumeFrom: command.resumeFrom, kiln: db, mirror, probes, interrupter, post, prepare, imported });
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
    training = null;
  }
}

/**
 * Runs a request and posts its answer, or an error that carries its id. A cancelled request
 * stops where its work checks the signal, and answers nothing (the page no longer waits).
 */
async function request(requestId: string, work: (signal: AbortSignal) => Promise<WorkerEvent | [WorkerEvent, Transferable[]]>): Promise<void> {
  const controller = new AbortController();
  inFlight.set(requestId, controller);
  try {
    const answer = await work(controller.signal);
    if (controller.signal.aborted) return;
    const [event, transfer] = Array.isArray(answer) ? answer : [answer, []];
    post(event, transfer);
  } catch (e) {
    if (controller.signal.aborted) return;
    post({ type: 'error', requestId, message: (e as Error).message, ...(isNotUtf8(e) ? { code: 'not-utf8' as const } : {}) });
  } finally {
    inFlight.delete(requestId);
  }
}

/**
 * Loads TensorFlow.js once the first dataset card is out, while the user looks at the form (a run,
 * an export or an import that comes first loads it itself and waits for it).
 */
function loadTrainerSoon(): void {
  setTimeout(() => void trainer().catch((e: Error) => post({ type: 'error', message: `TensorFlow.js failed to load: ${e.message}` })), 0);
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
    case 'cancel':
      inFlight.get(command.requestId)?.abort(new DOMException('the request was cancelled', 'AbortError'));
      return;
    case 'export':
      void request(command.requestId, async (signal) => {
        const { exportArtifacts } = await trainer();
        const file = await exportArtifacts(await kiln, command.runId, command.what, command.epoch, signal, command.format);
        return [{ type: 'file', requestId: command.requestId, fileName: file.fileName, parts: file.parts }, file.parts];
      });
      return;
    case 'dataset-open':
      void request(command.requestId, async (signal) => {
        const { card, suggested } = await datasets.open(command.picked, command.encoding ?? 'utf-8', progressOf(command.requestId), signal);
        return { type: 'dataset-card', requestId: command.requestId, card, suggested };
      });
      return;
    case 'dataset-card':
      void request(command.requestId, async () => {
        const card = await datasets.card(command.dataset, command.validFraction, command.seed, progressOf(command.requestId));
        return { type: 'dataset-card', requestId: command.requestId, card };
      }).then(loadTrainerSoon);
      return;
    case 'model-open':
      void request(command.requestId, async () => {
        const opened = await models.open(command.files, command.shape, command.task);
        return { type: 'model-opened', requestId: command.requestId, ...opened };
      });
      return;
    case 'engine-check':
      void request(command.requestId, async () => {
        const parsed = RunConfigSchema.parse(command.config);
        const { engineCheck } = await trainer();
        const planned = await engineCheck(parsed, command.shape, command.task, await ready);
        return { type: 'engine-check', requestId: command.requestId, ...planned };
      });
      return;
    case 'import':
      void request(command.requestId, async () => {
        const { importArchive } = await trainer();
        const run = await importArchive(await kiln, command.fileName, new Uint8Array(command.bytes));
        post({ type: 'runs-changed', runId: run.id });
        return { type: 'imported', requestId: command.requestId, runId: run.id, name: run.name };
      });
      return;
    case 'model-info':
      void request(command.requestId, async () => {
        return { type: 'model-info', requestId: command.requestId, info: await (await inference()).info(command.runId, command.epoch) };
      });
      return;
    case 'predict':
      void request(command.requestId, async (signal) => {
        const predictions = await (await inference()).predict(command.runId, command.epoch, command.input, signal);
        return { type: 'predictions', requestId: command.requestId, predictions };
      });
      return;
    case 'evaluate':
      void request(command.requestId, async () => {
        return { type: 'evaluation', requestId: command.requestId, evaluation: await (await inference()).evaluate(command.runId, command.epoch) };
      });
      return;
    case 'import-folder':
      void request(command.requestId, async () => {
        const { importFolder } = await trainer();
        const run = await importFolder(await kiln, command.picked.name, command.picked.files);
        post({ type: 'runs-changed', runId: run.id });
        return { type: 'imported', requestId: command.requestId, runId: run.id, name: run.name };
      });
      return;
    default:
      void request(command.requestId, (signal) => browse(command, signal));
  }
};

/** Answers the runs list's and storage panel's requests. */
async function browse(
  command: Extract<Command, { type: 'runs-list' | 'run-open' | 'run-files' | 'run-text' | 'run-rename' | 'run-delete' | 'storage-usage' }>,
  signal: AbortSignal,
): Promise<WorkerEvent> {
  const db = await kiln;
  const { requestId } = command;
  switch (command.type) {
    case 'runs-list':
      return { type: 'runs', requestId, runs: await db.runs() };
    case 'run-open':
      return { type: 'run', requestId, run: await openRun(db, command.runId, command.untilEpoch, signal) };
    case 'run-files':
      return { type: 'run-files', requestId, files: await db.fileSizes(command.runId) };
    case 'run-text':
      return { type: 'text', requestId, text: (await readText(db.store(command.runId), command.path)) ?? '' };
    case 'run-rename':
      await db.updateRun(command.runId, { name: command.name });
      post({ type: 'runs-changed', runId: command.runId });
      return { type: 'done', requestId };
    case 'run-delete':
      if (current && command.runId === training) throw new Error('this run is training: stop it before deleting it');
      await db.deleteRun(command.runId);
      post({ type: 'runs-changed', runId: command.runId });
      return { type: 'done', requestId };
    case 'storage-usage':
      return { type: 'storage', requestId, usage: await storage.usage() };
  }
}
