import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Command, WorkerEvent } from '../../src/protocol/index';
import { RequestError, startWorkerEarly, TrainingClient, type WorkerLike } from '../../src/ui/client';

/** A Worker that records what the page posts and answers when the test says so. */
class FakeWorker implements WorkerLike {
  readonly posted: Command[] = [];
  terminated = false;
  onmessage: WorkerLike['onmessage'] = null;
  onerror: WorkerLike['onerror'] = null;
  onmessageerror: WorkerLike['onmessageerror'] = null;

  postMessage(command: Command): void {
    this.posted.push(command);
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The worker posts an event. */
  answer(event: WorkerEvent): void {
    this.onmessage?.call(this as unknown as Worker, { data: event } as MessageEvent<WorkerEvent>);
  }

  /** An uncaught error in the worker. */
  crash(message: string): void {
    this.onerror?.call(this as unknown as Worker, { message, preventDefault() {} } as ErrorEvent);
  }

  /** The id of the last request posted. */
  get lastRequestId(): string {
    const last = this.posted[this.posted.length - 1];
    if (!('requestId' in last)) throw new Error(`the last command (${last.type}) is not a request`);
    return last.requestId;
  }
}

function connected(): { client: TrainingClient; worker: FakeWorker; events: WorkerEvent[] } {
  const worker = new FakeWorker();
  const client = new TrainingClient(() => worker);
  const events: WorkerEvent[] = [];
  client.subscribe((e) => events.push(e));
  client.connect();
  return { client, worker, events };
}

/** Whether a promise has settled, after the microtasks queued so far ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

describe('the training client', () => {
  it('says_hello_with_the_protocol_version_first', () => {
    const { worker } = connected();
    expect(worker.posted[0]).toMatchObject({ type: 'hello' });
  });

  it('resolves_a_request_with_the_event_that_answers_its_id', async () => {
    const { client, worker, events } = connected();
    const runs = client.ask({ type: 'runs-list' });
    const other = client.ask({ type: 'storage-usage' });
    const [listId, usageId] = worker.posted.slice(1).map((c) => ('requestId' in c ? c.requestId : ''));
    worker.answer({ type: 'storage', requestId: usageId, usage: { runs: { a: 3 } } });
    worker.answer({ type: 'runs', requestId: listId, runs: [] });
    expect((await runs).runs).toEqual([]);
    expect((await other).usage.runs).toEqual({ a: 3 });
    expect(events).toEqual([]); // answers go to their request, not to the listeners
  });

  it('rejects_a_request_the_worker_answers_with_an_error_carrying_its_code', async () => {
    const { client, worker } = connected();
    const open = client.ask({ type: 'run-open', runId: 'x' });
    worker.answer({ type: 'error', requestId: worker.lastRequestId, message: 'bad table', code: 'not-utf8' });
    await expect(open).rejects.toMatchObject({ message: 'bad table', code: 'not-utf8' });
  });

  it('reports_progress_of_a_request_without_settling_it', async () => {
    const { client, worker } = connected();
    const seen: number[] = [];
    const card = client.ask({ type: 'dataset-card', dataset: { type: 'iris' }, validFraction: 0.2, seed: 1 }, { progress: (_, done) => seen.push(done) });
    worker.answer({ type: 'dataset-progress', requestId: worker.lastRequestId, phase: 'Reading', done: 5, total: 10 });
    expect(await settled(card)).toBe(false);
    expect(seen).toEqual([5]);
  });

  it('rejects_pending_requests_when_the_worker_crashes', async () => {
    const { client, worker, events } = connected();
    const a = client.ask({ type: 'runs-list' });
    const b = client.ask({ type: 'run-open', runId: 'x' });
    worker.crash('out of memory');
    await expect(a).rejects.toThrow('the training worker crashed: out of memory');
    await expect(b).rejects.toBeInstanceOf(RequestError);
    expect(events.map((e) => e.type)).toEqual(['error', 'state']);
  });

  it('rejects_pending_requests_when_the_worker_is_terminated_and_refuses_new_ones', async () => {
    const { client, worker } = connected();
    const a = client.ask({ type: 'runs-list' });
    client.terminate();
    expect(worker.terminated).toBe(true);
    await expect(a).rejects.toThrow('the training worker was terminated');
    await expect(client.ask({ type: 'runs-list' })).rejects.toThrow('the training worker is not running');
  });

  it('a_cancelled_request_rejects_with_an_abort_error_and_tells_the_worker_to_stop', async () => {
    const { client, worker, events } = connected();
    const controller = new AbortController();
    const exporting = client.ask({ type: 'export', runId: 'r', what: 'run' }, { signal: controller.signal });
    const id = worker.lastRequestId;
    controller.abort();
    await expect(exporting).rejects.toMatchObject({ name: 'AbortError' });
    expect(worker.posted[worker.posted.length - 1]).toEqual({ type: 'cancel', requestId: id });
    // The worker's late answer or error is dropped: no listener sees it as a run error.
    worker.answer({ type: 'error', requestId: id, message: 'cancelled' });
    worker.answer({ type: 'file', requestId: id, fileName: 'x.zip', parts: [] });
    expect(events).toEqual([]);
  });

  it('an_already_aborted_signal_sends_nothing', async () => {
    const { client, worker } = connected();
    const posted = worker.posted.length;
    await expect(client.ask({ type: 'runs-list' }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(worker.posted).toHaveLength(posted);
  });

  it('aborting_after_the_answer_changes_nothing', async () => {
    const { client, worker } = connected();
    const controller = new AbortController();
    const runs = client.ask({ type: 'runs-list' }, { signal: controller.signal });
    worker.answer({ type: 'runs', requestId: worker.lastRequestId, runs: [] });
    await expect(runs).resolves.toMatchObject({ type: 'runs' });
    const posted = worker.posted.length;
    controller.abort();
    expect(worker.posted).toHaveLength(posted); // no cancel for a finished request
  });

  it('passes_events_without_a_request_id_to_every_listener', () => {
    const { worker, events } = connected();
    worker.answer({ type: 'runs-changed', runId: 'a' });
    worker.answer({ type: 'error', message: 'the run failed' });
    expect(events.map((e) => e.type)).toEqual(['runs-changed', 'error']);
  });
});

describe('the worker started before the studio loads', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is_the_one_the_first_client_takes_and_its_early_crash_is_reported', async () => {
    const made: FakeWorker[] = [];
    vi.stubGlobal(
      'Worker',
      class extends FakeWorker {
        constructor() {
          super();
          made.push(this);
        }
      },
    );
    startWorkerEarly();
    startWorkerEarly(); // once
    expect(made).toHaveLength(1);
    made[0].crash('Failed to fetch a module'); // before any client listens

    const client = new TrainingClient();
    const events: WorkerEvent[] = [];
    client.subscribe((e) => events.push(e));
    client.connect();
    expect(made).toHaveLength(1); // no second worker
    expect(made[0].posted[0]).toEqual({ type: 'hello', protocol: expect.any(Number) });
    await new Promise((r) => setTimeout(r, 0));
    expect(events).toContainEqual({ type: 'error', message: 'the training worker crashed: Failed to fetch a module' });

    new TrainingClient().connect(); // a later client starts its own
    expect(made).toHaveLength(2);
  });
});
