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

/**
 * The built-in MNIST (10,000 digits of the `mnist` package, shipped packed and gzipped: 1.6 MB),
 * fetched and decoded once; reports bytes received.
 */
export function loadMnist(onProgress: (done: number, total: number) => void): Promise<TensorData> {
  cached ??= (async () => {
    const response = await fetch(digitsUrl);
    if (!response.ok) throw new Error(`could not load the built-in MNIST: ${response.status} ${response.statusText}`);
    return unpackMnist(await gunzip(await readAll(response, onProgress)));
  })();
  cached.catch(() => (cached = undefined)); // a failed load may be retried
  return cached;
}
