import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { setPlatformCrc32 } from '../util/gzip';

/**
 * Registers the wasm backend in Node with its .wasm files from the installed package, and has
 * checkpoint records take zlib's CRC-32 (Node 20.15 and later) instead of the portable one.
 */
export function registerNodeBackends(): void {
  const crc = (zlib as { crc32?: (data: Uint8Array, value: number) => number }).crc32;
  if (crc) setPlatformCrc32(crc);
  // PROD skips tfjs's debug checks and its banner suggesting tfjs-node (which cannot install here).
  tf.env().set('PROD', true);
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(`${path.join(path.dirname(pkg), 'dist')}${path.sep}`);
}
