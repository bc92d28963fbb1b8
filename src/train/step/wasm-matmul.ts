import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type TensorInfo = NonNullable<KernelArgs['inputs'][string]>;
/** The part of a tfjs backend this file uses: freeing a kernel's intermediate output. */
type Backend = { disposeData(dataId: TensorInfo['dataId']): void };

let installed = false;

/**
 * Makes tfjs-wasm's BatchMatMul transpose its operands explicitly before multiplying. Its
 * XNNPACK path serves only untransposed operands; a transposed one falls to a plain loop that
 * measured 30× (transposeA) and 5× (transposeB) slower, and every Dense layer's backward pass
 * asks for both. Transposing first costs one pass over the operand. The kernel registry is
 * global, so every tfjs loop on wasm in the process gets it. Idempotent; no-op where the wasm
 * backend is not registered.
 */
export function useFastWasmMatMul(): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return;
  const swapLastTwo = (x: TensorInfo, backend: Backend): TensorInfo => {
    const rank = x.shape.length;
    const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
    return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return original.kernelFunc(args);
      const backend = args.backend as Backend;
      const a = transposeA ? swapLastTwo(args.inputs.a!, backend) : args.inputs.a!;
      const b = transposeB ? swapLastTwo(args.inputs.b!, backend) : args.inputs.b!;
      try {
        return original.kernelFunc({ inputs: { a, b }, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
      } finally {
        if (transposeA) backend.disposeData(a.dataId);
        if (transposeB) backend.disposeData(b.dataId);
      }
    },
  });
  installed = true;
}
