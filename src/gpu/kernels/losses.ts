import { declareAll, f32, type KernelBinding, type KernelSource } from './common';

/**
 * The loss kernels: forward and backward in one pass over the output, with the batch's statistics
 * written into the step's slot of the statistics ring. Gradients are per-item sums (no 1/batch):
 * the optimizer scales by 1 / items, which makes k accumulated batches weigh by their sizes.
 * One workgroup walks all rows and reduces in a fixed order, so statistics are deterministic.
 */

/** Where a loss kernel reads: the output [rows, width] and the targets inside the batch rows. */
export interface LossSpec {
  readonly rows: number;
  /** Classes (softmax) or regression outputs (MSE). */
  readonly width: number;
  /** Words per batch row; the targets start at `targetColumn` of each row. */
  readonly batchLd: number;
  readonly targetColumn: number;
  /** Write the output's gradient ('grad'); false for validation. */
  readonly backward: boolean;
  /** Threads of the one workgroup: a power of two within the device limit. */
  readonly threads: number;
  /** Floats per step in the statistics ring (see `statsStride`). */
  readonly stride: number;
}

/** Statistics reduction shared by the loss kernels: two sums, thread 0 writes them and the row count. */
function reduceAndWrite(threads: number, rows: number, stride: number): string {
  return /* wgsl */ `
  s0[li] = acc0;
  s1[li] = acc1;
  for (var half = ${threads / 2}u; half > 0u; half = half / 2u) {
    workgroupBarrier();
    if (li < half) {
      s0[li] = s0[li] + s0[li + half];
      s1[li] = s1[li] + s1[li + half];
    }
  }
  if (li == 0u) {
    let at = step.slot * ${stride}u;
    stats[at] = s0[0];
    stats[at + 1u] = s1[0];
    stats[at + 2u] = ${f32(rows)};
    stats[at + 3u] = 0.0;
  }`;
}

/** Bindings: output, batch (targets), the gradient when backward, stats, the confusion counts when counted, step. */
function lossBindings(backward: boolean, confusion = false): KernelBinding[] {
  return [
    { role: 'output', kind: 'read' },
    { role: 'batch', kind: 'read' },
    ...(backward ? [{ role: 'grad', kind: 'rw' } as const] : []),
    { role: 'stats', kind: 'rw' },
    ...(confusion ? [{ role: 'confusion', kind: 'rw' } as const] : []),
    { role: 'step', kind: 'step' },
  ];
}

/**
 * Softmax cross-entropy against class indices (u32 in the batch rows). Statistics: loss sum,
 * correct count (first arg-max equals the label), rows; with `classStats` the per-class counts
 * and label ranks after them (a label outside the classes counts only as a prediction). Gradient: softmax − onehot. With
 * `probabilities` the model's last layer is a softmax and the step's loss is −log(clip(p, 1e-7, 1))
 * (tfjs's classification step): the loss is capped and a row whose p is clipped gets no gradient,
 * as the clip's gradient is zero there. A label outside [0, width) counts as an all-zero one-hot row.
 * With `confusion` (validation only) each row adds one to `confusion[label · width + arg-max]`, a
 * matrix the validation epoch fills (rows with a label outside the classes are not counted).
 */
export function softmaxCrossEntropyKernel(
  spec: LossSpec & { readonly probabilities: boolean; readonly classStats: boolean; readonly confusion?: boolean },
): KernelSource {
  const confusion = (spec.confusion ?? false) && !spec.backward;
  const bindings = lossBindings(spec.backward, confusion);
  const C = spec.width;
  // Class statistics: counts in workgroup atomics (exact, order-free), copied after the sums.
  const counts = spec.classStats
    ? {
        declare: `var<workgroup> counts: array<atomic<u32>, ${4 * C}>;`,
        zero: `for (var i = li; i < ${4 * C}u; i = i + ${spec.threads}u) { atomicStore(&counts[i], 0u); }\n  workgroupBarrier();`,
        count: `atomicAdd(&counts[${C}u + arg], 1u);
    if (valid) {
      atomicAdd(&counts[${2 * C}u + label], 1u);
      if (arg == label) { atomicAdd(&counts[label], 1u); }
      var rank = 0u;
      for (var c = 0u; c < ${C}u; c = c + 1u) { rank = rank + select(0u, 1u, l[c] > l[label]); }
      atomicAdd(&counts[${3 * C}u + rank], 1u);
    }`,
        copy: `workgroupBarrier();
  for (var i = li; i < ${4 * C}u; i = i + ${spec.threads}u) { stats[step.slot * ${spec.stride}u + 4u + i] = f32(atomicLoad(&counts[i])); }`,
      }
    : { declare: '', zero: '', count: '', copy: '' };
  const loss = spec.probabilities ? `select(0.0, -log(clamp(pl, 1e-7, 1.0)), valid)` : `select(0.0, lse - l[label], valid)`;
  const rowGrad = spec.probabilities ? `valid && pl >= 1e-7` : `valid`;
  const code = /* wgsl */ `
${declareAll(bindings, { batch: 'array<u32>', confusion: 'array<atomic<u32>>' })}
var<workgroup> s0: array<f32, ${spec.threads}>;
var<workgroup> s1: array<f32, ${spec.threads}>;
${counts.declare}

@compute @workgroup_size(${spec.threads})
fn main(@builtin(local_invocation_index) li: u32) {
  ${counts.zero}
  var acc0 = 0.0;
  var acc1 = 0.0;
  for (var r = li; r < ${spec.rows}u; r = r + ${spec.threads}u) {
    var l: array<f32, ${C}>;
    var mx = output[r * ${C}u];
    var arg = 0u;
    for (var c = 0u; c < ${C}u; c = c + 1u) {
      l[c] = output[r * ${C}u + c];
      if (l[c] > mx) { mx = l[c]; arg = c; }
    }
    var sum = 0.0;
    for (var c = 0u; c < ${C}u; c = c + 1u) { sum = sum + exp(l[c] - mx); }
    let lse = mx + log(sum);
    let label = batch[r * ${spec.batchLd}u + ${spec.targetColumn}u];
    let valid = label < ${C}u;
    let pl = select(0.0, exp(l[min(label, ${C - 1}u)] - mx) / sum, valid);
    acc0 = acc0 + ${loss};
    acc1 = acc1 + select(0.0, 1.0, valid && arg == label);
    ${counts.count}
    ${confusion ? `if (valid) { atomicAdd(&confusion[label * ${C}u + arg], 1u); }` : ''}
    ${
      spec.backward
        ? `let live = ${rowGrad};
    for (var c = 0u; c < ${C}u; c = c + 1u) {
      let p = exp(l[c] - mx) / sum;
      grad[r * ${C}u + c] = select(0.0, p - select(0.0, 1.0, c == label), live);
    }`
        : ''
    }
  }
${reduceAndWrite(spec.threads, spec.rows, spec.stride)}
  ${counts.copy}
}`;
  return { label: 'softmax cross-entropy', code, bindings, workgroups: [1, 1, 1] };
}

/**
 * Mean squared error against float targets in the batch rows. Statistics: loss sum (each row's
 * mean over outputs, so sum / rows is tfjs's batch loss), absolute error sum, rows. Gradient:
 * 2(y − t) / width per row.
 */
export function mseKernel(spec: LossSpec): KernelSource {
  const bindings = lossBindings(spec.backward);
  const W = spec.width;
  const code = /* wgsl */ `
${declareAll(bindings)}
var<workgroup> s0: array<f32, ${spec.threads}>;
var<workgroup> s1: array<f32, ${spec.threads}>;

@compute @workgroup_size(${spec.threads})
fn main(@builtin(local_invocation_index) li: u32) {
  var acc0 = 0.0;
  var acc1 = 0.0;
  for (var r = li; r < ${spec.rows}u; r = r + ${spec.threads}u) {
    var sq = 0.0;
    for (var c = 0u; c < ${W}u; c = c + 1u) {
      let d = output[r * ${W}u + c] - batch[r * ${spec.batchLd}u + ${spec.targetColumn}u + c];
      sq = sq + d * d;
      acc1 = acc1 + abs(d);
      ${spec.backward ? `grad[r * ${W}u + c] = d * ${f32(2 / W)};` : ''}
    }
    acc0 = acc0 + sq / ${f32(W)};
  }
${reduceAndWrite(spec.threads, spec.rows, spec.stride)}
}`;
  return { label: 'mean squared error', code, bindings, workgroups: [1, 1, 1] };
}

/** Workgroup memory the softmax cross-entropy kernel takes: two sums per thread, and 4 counters per class with class statistics. */
export function lossWorkgroupBytes(classes: number, threads: number, classStats: boolean): number {
  return 2 * 4 * threads + (classStats ? 4 * 4 * classes : 0);
}

/** The largest power of two ≤ min(limit, 256): threads for the one-workgroup loss kernels. */
export function lossThreads(maxInvocations: number): number {
  let t = 1;
  while (t * 2 <= Math.min(maxInvocations, 256)) t *= 2;
  return t;
}
