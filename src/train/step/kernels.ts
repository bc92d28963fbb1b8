import { useFastConvGradient } from './conv-grad';
import { useExactAvgPoolGradient } from './pool-grad';
import { useFastWasmMatMul } from './wasm-matmul';

/**
 * Installs tfjs-level speed-ups for the backend that training runs on and returns what changed
 * there, for the experiment log (and, on every backend, AvgPool's corrected gradient). Both are global (tfjs's registries are) and idempotent, so any
 * other tfjs loop in the process gets them too; on webgl and webgpu nothing changes.
 */
export function useFastKernels(backend: string): string[] {
  useFastConvGradient();
  useFastWasmMatMul();
  useExactAvgPoolGradient();
  if (backend === 'cpu') return ['Conv2D gradient: filter gradient as a forward convolution'];
  if (backend === 'wasm')
    return ['Conv2D gradient: filter and input gradients as forward convolutions', 'BatchMatMul: transposed operands transposed explicitly, then XNNPACK'];
  return [];
}
