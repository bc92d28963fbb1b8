type Schedule = (run: () => void) => void;

/**
 * Runs `run` as a new task, after what the event loop has waiting (timers, messages such as a stop
 * request, finished reads). setTimeout(0) costs 1 ms in Node and 4 ms in browsers once nested, so
 * Node gets setImmediate and browsers and workers a MessageChannel message, which are not clamped.
 * (Node has MessageChannel too, but an open port would keep the process alive.)
 */
const schedule: Schedule = (() => {
  const g = globalThis as {
    setImmediate?: Schedule;
    MessageChannel?: new () => { port1: { onmessage: (() => void) | null }; port2: { postMessage(m: null): void } };
  };
  if (g.setImmediate) return (run) => void g.setImmediate!(run);
  if (g.MessageChannel) {
    const channel = new g.MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return (run) => {
      waiting.push(run);
      channel.port2.postMessage(null);
    };
  }
  return (run) => void setTimeout(run, 0);
})();

/** Resolves in a new task: whatever the event loop has waiting runs first. */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => schedule(resolve));
