import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import { gpu } from './backends';

/**
 * Readies TensorFlow.js: registers every backend the worker can use and selects cpu until a run
 * picks its own, so archive work (import checks, model export) has one too. The WebGPU backend
 * registers itself only when `navigator.gpu` exists at import time, so it is imported here, after
 * that check.
 */
export async function startTfjs(): Promise<void> {
  tf.env().set('PROD', true); // skip tfjs's per-op debug checks
  // The .wasm files are bundled assets; tfjs would otherwise look for them beside the script.
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
  if (gpu()) await import('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('cpu');
}

/** Calls `onLost` if the WebGPU device behind the active backend is lost. */
export function watchDeviceLoss(onLost: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
  void device?.lost?.then((info) => {
    if (info.reason !== 'destroyed') onLost(`the WebGPU device was lost (${info.reason ?? 'unknown'}): ${info.message ?? ''}`.trim());
  });
}
