import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { setPlatformCrc32, setPlatformGzip } from '../util/gzip';

/**
 * gzip of `parts` by zlib on libuv's thread pool, in stored blocks (level 0): the CRC and the copies
 * happen off the JavaScript thread, and the file comes back in pieces of 1 MiB for the store to
 * write one after another.
 */
export function gzipOnThreadPool(parts: readonly Uint8Array[]): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const out: Uint8Array[] = [];
    const gzip = zlib.createGzip({ level: 0, chunkSize: 2 ** 20 });
    gzip.on('data', (piece: Buffer) => out.push(piece));
    gzip.on('end', () => resolve(out));
    gzip.on('error', reject);
    for (const part of parts) gzip.write(part);
    gzip.end();
  });
}

/**
 * Registers the wasm backend in Node with its .wasm files from the installed package, and has
 * checkpoint records take zlib: its CRC-32 (Node 20.15 and later) instead of the portable one,
 * and its gzip on the thread pool for the records written while training goes on.
 */
export function registerNodeBackends(): void {
  const crc = (zlib as { crc32?: (data: Uint8Array, value: number) => number }).crc32;
  if (crc) setPlatformCrc32(crc);
  setPlatformGzip(gzipOnThreadPool);
  // PROD skips tfjs's debug checks and its banner suggesting tfjs-node (which cannot install here).
  tf.env().set('PROD', true);
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(`${path.join(path.dirname(pkg), 'dist')}${path.sep}`);
}
