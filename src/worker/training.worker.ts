/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import { PROTOCOL_VERSION, type BackendProbe, type Command, type WorkerEvent } from '../protocol/index';
import { RunConfigSchema } from '../protocol/run-config';
import { MemoryStore } from '../store/memory';
import { TrainingInterrupter } from '../train/learner/interrupter';
import { probeBackends, registerBackends } from './backends';
import { runTraining } from './run';

// The training worker: hosts the Learner, speaks only the protocol's messages.
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (event: WorkerEvent) => scope.postMessage(event);

tf.env().set('PROD', true); // skip tfjs's per-op debug checks
const ready: Promise<BackendProbe[]> = registerBackends().then(probeBackends);
let current: TrainingInterrupter | null = null;

async function start(runId: string, rawConfig: unknown): Promise<void> {
  if (current) return post({ type: 'error', message: 'a run is already in progress; stop it first' });
  const parsed = RunConfigSchema.safeParse(rawConfig);
  if (!parsed.success) return post({ type: 'error', message: `invalid run config: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}` });
  const interrupter = (current = new TrainingInterrupter());
  try {
    const probes = await ready;
    const end = await runTraining({ config: parsed.data, store: new MemoryStore(), probes, interrupter, post });
    post({ type: 'state', state: end.state, message: end.reason });
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
    post({ type: 'state', state: 'failed', message: (e as Error).message });
  } finally {
    current = null;
  }
}

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
      void start(command.runId, command.config);
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
  }
};
