import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Registers the wasm backend in Node with its .wasm files from the installed package. */
export function registerNodeBackends(): void {
  // PROD skips tfjs's debug checks and its banner suggesting tfjs-node (which cannot install here).
  tf.env().set('PROD', true);
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(`${path.join(path.dirname(pkg), 'dist')}${path.sep}`);
}
