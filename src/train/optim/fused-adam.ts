import * as tf from '@tensorflow/tfjs';

/** Everything one Adam/AdamW update needs besides the tensors, as host numbers. */
export interface FusedAdamAttrs {
  readonly beta1: number;
  readonly beta2: number;
  /** lr·√bc2/bc1: PyTorch's step with the bias corrections folded in. */
  readonly stepSize: number;
  /** ε·√bc2. */
  readonly epsilon: number;
  /** L2 decay added to the gradient (Adam), 0 for none. */
  readonly l2: number;
  /** Factor the param is scaled by first (AdamW: 1 − lr·wd), 1 for none. */
  readonly decay: number;
}

type TensorInfo = NonNullable<Parameters<tf.KernelFunc>[0]['inputs'][string]>;
type Views = { readonly param: Float32Array; readonly grad: Float32Array; readonly m: Float32Array; readonly v: Float32Array };
type Outputs = { readonly param: Float32Array; readonly m: Float32Array; readonly v: Float32Array };

const KERNEL = 'KilnFusedAdam';

/** One pass over the param: new param, m and v into fresh arrays (tensors stay immutable; clones keep their values). */
function adamPass(a: FusedAdamAttrs, x: Views, out: Outputs): void {
  const { beta1, beta2, stepSize, epsilon, l2, decay } = a;
  for (let i = 0; i < x.param.length; i++) {
    const p = x.param[i] * decay;
    const g = x.grad[i] + l2 * p;
    const m = beta1 * x.m[i] + (1 - beta1) * g;
    const v = beta2 * x.v[i] + (1 - beta2) * g * g;
    out.m[i] = m;
    out.v[i] = v;
    out.param[i] = p - (stepSize * m) / (Math.sqrt(v) + epsilon);
  }
}

/** The part of the cpu backend a kernel uses: its arrays, and a tensor made from a new one. */
type CpuBackend = {
  data: { get(id: TensorInfo['dataId']): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
};
/** The part of the wasm backend a kernel uses: tensor offsets into its heap, and new outputs there. */
type WasmBackend = {
  dataIdMap: { get(id: TensorInfo['dataId']): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  wasm: { HEAPF32: Float32Array };
};

type Inputs = { param: TensorInfo; grad: TensorInfo; m: TensorInfo; v: TensorInfo };

const kernels: Record<string, tf.KernelFunc> = {
  cpu: ({ inputs, backend, attrs }) => {
    const b = backend as CpuBackend;
    const i = inputs as unknown as Inputs;
    const get = (t: TensorInfo) => b.data.get(t.dataId).values;
    const n = get(i.param).length;
    const out = { param: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
    adamPass(attrs as unknown as FusedAdamAttrs, { param: get(i.param), grad: get(i.grad), m: get(i.m), v: get(i.v) }, out);
    return [out.param, out.m, out.v].map((values) => b.makeTensorInfo(i.param.shape, 'float32', values));
  },
  wasm: ({ inputs, backend, attrs }) => {
    const b = backend as WasmBackend;
    const i = inputs as unknown as Inputs;
    const outputs = [0, 1, 2].map(() => b.makeOutput(i.param.shape, 'float32'));
    // Views only after the outputs exist: allocating may grow the heap and detach older views.
    const heap = b.wasm.HEAPF32;
    const n = i.param.shape.reduce((x, y) => x * y, 1);
    const view = (t: TensorInfo) => heap.subarray(b.dataIdMap.get(t.dataId).memoryOffset >>> 2, (b.dataIdMap.get(t.dataId).memoryOffset >>> 2) + n);
    const [param, m, v] = outputs.map(view);
    adamPass(attrs as unknown as FusedAdamAttrs, { param: view(i.param), grad: view(i.grad), m: view(i.m), v: view(i.v) }, { param, m, v });
    return outputs;
  },
};

let registered = false;

/**
 * Adam's update of one param as one kernel on the backends whose memory JavaScript can address
 * (cpu, wasm): a single pass with three outputs, where the op-by-op update runs 12 elementwise
 * kernels that each allocate a full-size tensor (on cpu the optimizer was a third of a small MLP's
 * step). Returns false on other backends, or for non-float32 tensors, and the caller runs the ops.
 */
export function fusedAdamUpdate(param: tf.Variable, grad: tf.Tensor, m: tf.Variable, v: tf.Variable, attrs: FusedAdamAttrs): boolean {
  const backend = tf.getBackend();
  if (!kernels[backend] || [param, grad, m, v].some((t) => t.dtype !== 'float32')) return false;
  if (!registered) {
    for (const [backendName, kernelFunc] of Object.entries(kernels)) tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc });
    registered = true;
  }
  const [p2, m2, v2] = tf.engine().runKernel(KERNEL, { param, grad, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  param.assign(p2);
  m.assign(m2);
  v.assign(v2);
  tf.dispose([p2, m2, v2]);
  return true;
}
