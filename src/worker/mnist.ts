import digitsUrl from 'virtual:kiln-mnist';
import type { TensorData } from '../data/dataset';
import { unpackMnist } from '../data/mnist';

/** Reads a response whole, reporting bytes received (of the length the server announced, if any). */
async function readAll(response: Response, onProgress: (done: number, total: number) => void): Promise<Uint8Array<ArrayBuffer>> {
  const total = Number(response.headers.get('Content-Length')) || 0;
  const chunks: Uint8Array[] = [];
  let done = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    chunks.push(value);
    done += value.length;
    onProgress(done, Math.max(total, done));
  }
  const bytes = new Uint8Array(done);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
  return bytes;
}

/** Gunzips natively; bytes a server already decoded (no gzip magic) pass through. */
async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let cached: Promise<TensorData> | undefined;
/** Who waits for the load: each gets its progress. */
const waiting = new Set<(done: number, total: number) => void>();

/**
 * The built-in MNIST (10,000 digits of the `mnist` package, shipped packed and gzipped: 1.6 MB),
 * fetched and decoded once; reports bytes received to every caller while it loads.
 */
export function loadMnist(onProgress: (done: number, total: number) => void): Promise<TensorData> {
  waiting.add(onProgress);
  cached ??= (async () => {
    const response = await fetch(digitsUrl);
    if (!response.ok) throw new Error(`could not load the built-in MNIST: ${response.status} ${response.statusText}`);
    const bytes = await readAll(response, (done, total) => {
      for (const report of waiting) report(done, total);
    });
    return unpackMnist(await gunzip(bytes));
  })();
  cached.catch(() => (cached = undefined)); // a failed load may be retried
  void cached.finally(() => waiting.delete(onProgress)).catch(() => {});
  return cached;
}

/** Starts loading the digits now: the built-in dataset is the studio's first card. */
export function prefetchMnist(): void {
  loadMnist(() => {}).catch(() => {}); // a failure is reported to whoever asks for the card
}
