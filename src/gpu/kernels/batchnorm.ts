import { declareAll, f32, flatKernel, type KernelBinding, type KernelSource } from './common';
import { epilogueCode, type GemmEpilogue } from './gemm-epilogue';

/**
 * Batch normalization over the last axis, as tfjs-layers trains it: the batch's mean and biased
 * variance (tf.moments) per channel, y = (x − mean) · γ / √(var + ε) + β, the moving statistics
 * moved by m ← m − (m − batch) · (1 − momentum) at every training step; validation normalizes with
 * the moving ones. Reductions run in two kernels, a fixed number of workgroups writing partial
 * sums, then one workgroup per channel summing them in a fixed order (deterministic). A layer's
 * statistics buffer ('s') holds, per channel: mean, 1/√(var + ε), γ/√(var + ε), β, then the
 * backward pass's mean of g and of g · x̂, then the partial sums.
 */

/** One batch-normalization layer at a batch size. */
export interface BatchNormSpec {
  readonly rows: number;
  readonly pixels: number;
  readonly channels: number;
  /** Words from one item of the input to the next. */
  readonly inputLd: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly gammaOffset: number;
  readonly betaOffset: number;
  readonly meanOffset: number;
  readonly varianceOffset: number;
}

/** Threads of the reduction kernels: the largest power of two up to 256 that the device allows. */
function threads(maxThreads: number): number {
  let t = 1;
  while (t * 2 <= Math.min(256, maxThreads)) t *= 2;
  return t;
}

/**
 * Workgroups writing partial sums: enough for about 8 values a thread, at most 8 a thread of the
 * summing workgroup. Each thread's loads follow one another, so long loops wait on memory: on an
 * H200, 32–128 workgroups of 64 values a thread took 19–21 µs for 0.5–2 M values.
 */
function groups(s: BatchNormSpec, maxThreads: number): number {
  const t = threads(maxThreads);
  return Math.max(1, Math.min(8 * t, Math.ceil((s.rows * s.pixels * s.channels) / (8 * t))));
}

/** Floats of a layer's statistics buffer. */
export function batchNormStatsFloats(s: BatchNormSpec, maxThreads: number): number {
  return 6 * s.channels + 2 * s.channels * groups(s, maxThreads);
}

/** WGSL: where value (pixel m, channel c) of the input is. */
function inputAt(s: BatchNormSpec, m: string, c: string): string {
  return `(${m} / ${s.pixels}u) * ${s.inputLd}u + (${m} % ${s.pixels}u) * ${s.channels}u + ${c}`;
}

/**
 * Partial sums per channel over the batch's pixels. 'stats': of x − K and (x − K)², K the
 * channel's first value (a shift that keeps the variance's difference of sums accurate).
 * 'grads': of g and g · x̂. Bindings: x, (grads: g), s.
 */
export function batchNormPartialKernel(s: BatchNormSpec, mode: 'stats' | 'grads', maxThreads: number): KernelSource {
  const T = threads(maxThreads);
  const G = groups(s, maxThreads);
  const C = s.channels;
  const width = Math.min(C, T);
  const lanes = Math.floor(T / width);
  const M = s.rows * s.pixels;
  const bindings: KernelBinding[] = [
    { role: 'x', kind: 'read' },
    ...(mode === 'grads' ? [{ role: 'g', kind: 'read' } as const] : []),
    { role: 's', kind: 'rw' },
  ];
  const terms =
    mode === 'stats'
      ? `let d = x[${inputAt(s, 'm', 'c')}] - x[c];
        a1 = a1 + d;
        a2 = a2 + d * d;`
      : `let gv = g[m * ${C}u + c];
        a1 = a1 + gv;
        a2 = a2 + gv * (x[${inputAt(s, 'm', 'c')}] - s[c]) * s[${C}u + c];`;
  const code = /* wgsl */ `
${declareAll(bindings)}
var<workgroup> p1: array<f32, ${T}>;
var<workgroup> p2: array<f32, ${T}>;

@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let lane = li / ${width}u;
  for (var c0 = 0u; c0 < ${C}u; c0 = c0 + ${width}u) {
    let c = c0 + li % ${width}u;
    var a1 = 0.0;
    var a2 = 0.0;
    if (lane < ${lanes}u && c < ${C}u) {
      for (var m = wid.x * ${lanes}u + lane; m < ${M}u; m = m + ${G * lanes}u) {
        ${terms}
      }
    }
    p1[li] = a1;
    p2[li] = a2;
    workgroupBarrier();
    if (li < ${width}u && c < ${C}u) {
      var s1 = 0.0;
      var s2 = 0.0;
      for (var l = 0u; l < ${lanes}u; l = l + 1u) {
        s1 = s1 + p1[l * ${width}u + li];
        s2 = s2 + p2[l * ${width}u + li];
      }
      s[${6 * C}u + (wid.x * ${C}u + c) * 2u] = s1;
      s[${6 * C}u + (wid.x * ${C}u + c) * 2u + 1u] = s2;
    }
    workgroupBarrier();
  }
}`;
  return { label: `batch norm ${mode} partial sums`, code, bindings, workgroups: [G, 1, 1] };
}

/**
 * Sums the partials of one channel per workgroup. 'stats': the mean, 1/√(var + ε), γ/√(var + ε)
 * and β into s, and the moving statistics moved in params (bindings x, s, params). 'grads': the
 * means of g and g · x̂ into s, and β's and γ's gradients (their sums, added while the step
 * accumulates) into grads (bindings s, grads, step).
 */
export function batchNormFinalizeKernel(s: BatchNormSpec, mode: 'stats' | 'grads', maxThreads: number): KernelSource {
  const T = threads(maxThreads);
  const G = groups(s, maxThreads);
  const C = s.channels;
  const M = s.rows * s.pixels;
  const bindings: KernelBinding[] =
    mode === 'stats'
      ? [
          { role: 'x', kind: 'read' },
          { role: 's', kind: 'rw' },
          { role: 'params', kind: 'rw' },
        ]
      : [
          { role: 's', kind: 'rw' },
          { role: 'grads', kind: 'rw' },
          { role: 'step', kind: 'step' },
        ];
  const decay = f32(1 - s.momentum);
  const finish =
    mode === 'stats'
      ? `let mean1 = q1[0] / ${f32(M)};
    let mean = x[c] + mean1;
    let variance = max(q2[0] / ${f32(M)} - mean1 * mean1, 0.0);
    let inv = 1.0 / sqrt(variance + ${f32(s.epsilon)});
    s[c] = mean;
    s[${C}u + c] = inv;
    s[${2 * C}u + c] = params[${s.gammaOffset}u + c] * inv;
    s[${3 * C}u + c] = params[${s.betaOffset}u + c];
    let mm = params[${s.meanOffset}u + c];
    params[${s.meanOffset}u + c] = mm - (mm - mean) * ${decay};
    let mv = params[${s.varianceOffset}u + c];
    params[${s.varianceOffset}u + c] = mv - (mv - variance) * ${decay};`
      : `s[${4 * C}u + c] = q1[0] / ${f32(M)};
    s[${5 * C}u + c] = q2[0] / ${f32(M)};
    let keep = step.accumulate != 0u;
    grads[${s.betaOffset}u + c] = select(0.0, grads[${s.betaOffset}u + c], keep) + q1[0];
    grads[${s.gammaOffset}u + c] = select(0.0, grads[${s.gammaOffset}u + c], keep) + q2[0];`;
  const code = /* wgsl */ `
${declareAll(bindings)}
var<workgroup> q1: array<f32, ${T}>;
var<workgroup> q2: array<f32, ${T}>;

@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let c = wid.x;
  var a1 = 0.0;
  var a2 = 0.0;
  for (var k = li; k < ${G}u; k = k + ${T}u) {
    a1 = a1 + s[${6 * C}u + (k * ${C}u + c) * 2u];
    a2 = a2 + s[${6 * C}u + (k * ${C}u + c) * 2u + 1u];
  }
  q1[li] = a1;
  q2[li] = a2;
  for (var half = ${T / 2}u; half > 0u; half = half / 2u) {
    workgroupBarrier();
    if (li < half) {
      q1[li] = q1[li] + q1[li + half];
      q2[li] = q2[li] + q2[li + half];
    }
  }
  if (li == 0u) {
    ${finish}
  }
}`;
  return { label: `batch norm ${mode}`, code, bindings, workgroups: [C, 1, 1] };
}

/**
 * Normalizes, then the epilogue (activation, dropout): with the batch's statistics from s
 * (training; bindings x, s, then the epilogue's) or the moving ones from params (validation;
 * bindings x, params, then the epilogue's).
 */
export function batchNormApplyKernel(s: BatchNormSpec, training: boolean, epilogue: GemmEpilogue, maxThreads: number): KernelSource {
  const C = s.channels;
  const width = s.pixels * C;
  const epi = epilogueCode(epilogue, width, width, 0);
  const bindings: KernelBinding[] = [{ role: 'x', kind: 'read' }, { role: training ? 's' : 'params', kind: 'read' }, ...epi.bindings];
  const value = training
    ? `(v - s[c]) * s[${2 * C}u + c] + s[${3 * C}u + c]`
    : `(v - params[${s.meanOffset}u + c]) * params[${s.gammaOffset}u + c] / sqrt(params[${s.varianceOffset}u + c] + ${f32(s.epsilon)}) + params[${s.betaOffset}u + c]`;
  const flat = flatKernel(
    s.rows * width,
    `let r = i / ${width}u;
  let j = i % ${width}u;
  let c = j % ${C}u;
  let v = x[r * ${s.inputLd}u + j];
  store(r, j, ${value});`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${epi.code}
${flat.code}`;
  return { label: `batch norm ${training ? 'forward' : 'inference'}`, code, bindings, workgroups: flat.workgroups };
}

/**
 * The input's gradient, γ/√(var + ε) · (g − mean(g) − x̂ · mean(g · x̂)), through the epilogue of
 * the layer below (which reads that layer's output from binding x). Bindings: g, x, s, then the epilogue's.
 */
export function batchNormBackwardKernel(s: BatchNormSpec, epilogue: GemmEpilogue, maxThreads: number): KernelSource {
  const C = s.channels;
  const width = s.pixels * C;
  const epi = epilogueCode(epilogue, width, width, 0);
  const bindings: KernelBinding[] = [{ role: 'g', kind: 'read' }, { role: 'x', kind: 'read' }, { role: 's', kind: 'read' }, ...epi.bindings];
  const flat = flatKernel(
    s.rows * width,
    `let r = i / ${width}u;
  let j = i % ${width}u;
  let c = j % ${C}u;
  let xhat = (x[r * ${s.inputLd}u + j] - s[c]) * s[${C}u + c];
  store(r, j, s[${2 * C}u + c] * (g[i] - s[${4 * C}u + c] - xhat * s[${5 * C}u + c]));`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${epi.code}
${flat.code}`;
  return { label: 'batch norm backward', code, bindings, workgroups: flat.workgroups };
}
