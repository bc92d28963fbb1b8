import type { OptimizerConfig } from '../../train/optim/config';
import { declareAll, f32, flatKernel, type KernelSource } from './common';

/**
 * The optimizer over one packed parameter buffer, with Kiln's semantics (src/train/optim): SGD
 * with momentum, dampening, Nesterov and L2 decay (PyTorch; the buffer starts as the raw gradient),
 * Adam (L2 decay added to the gradient) and AdamW (decoupled decay), gradient clipping by value or
 * by global norm. Its state lives in one buffer:
 *   [0] step count t (a float: exact to 2^24 steps; u32 bits could be flushed as denormals), [1] gradient scale (1 / items, times the clip factor),
 *   [2] step size, [3] epsilon, [4] decay factor, [5] 1 on the first step,
 *   [NORM_AT, NORM_AT + NORM_GROUPS) norm partial sums, then the slots, `paramCount` floats each.
 * A one-thread `prep` kernel advances t and writes the step's factors, so the per-element `update`
 * reads them instead of recomputing; `norm` (clipping by norm only) sums squares first.
 */

/** Where the norm partial sums start in the state buffer. */
const NORM_AT = 64;
/** Workgroups of the norm pass (and partial sums). */
const NORM_GROUPS = 64;
/** Floats before the slots in the state buffer. */
export const OPTIM_HEAD = NORM_AT + NORM_GROUPS;
const WG = 64;

/** The kernels of an optimizer step and the state they need. */
export interface OptimizerKernels {
  readonly norm: KernelSource | null;
  readonly prep: KernelSource;
  readonly update: KernelSource;
  /** Slot names in state order, as the tfjs optimizers name them ('m', 'v'; 'momentum'). */
  readonly slots: readonly string[];
  /** Floats of the state buffer. */
  readonly stateFloats: number;
}

/** Slot names per optimizer, as the tfjs optimizers save them. */
function slotNames(c: OptimizerConfig): string[] {
  if (c.type === 'adam' || c.type === 'adamw') return ['m', 'v'];
  if (c.type === 'sgd') return c.momentum > 0 ? ['momentum'] : [];
  throw new Error(`optimizer '${c.type}' is not compiled yet (sgd, adam and adamw are)`);
}

/**
 * 1 − b^t for b in (0, 1), accurate where b^t is near 1 (the first steps with β₂ = 0.999): a
 * Taylor series of −expm1(t·ln b) while |t·ln b| < 0.1, where 1 − exp would lose half the digits.
 */
const ONE_MINUS_POW = /* wgsl */ `
fn oneMinusPow(logb: f32, t: f32) -> f32 {
  let x = t * logb;
  if (x > -0.1) {
    return -x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x / 720.0)))));
  }
  return 1.0 - exp(x);
}`;

/** WGSL for 1 − b^t with b a config constant (b = 0 gives 1). */
function oneMinusPow(b: number, t: string): string {
  return b === 0 ? '1.0' : `oneMinusPow(${f32(Math.log(b))}, ${t})`;
}

/** The state-buffer bindings every optimizer kernel shares: params, grads, state, step. */
const BINDINGS = [
  { role: 'params', kind: 'rw' },
  { role: 'grads', kind: 'read' },
  { role: 'state', kind: 'rw' },
  { role: 'step', kind: 'step' },
] as const;

/** Generates the optimizer's kernels for `paramCount` packed parameters. */
export function optimizerKernels(c: OptimizerConfig, paramCount: number, maxThreads: number): OptimizerKernels {
  const slots = slotNames(c);
  const clip = c.gradClipping;
  const head = declareAll(BINDINGS);
  const norm: KernelSource | null =
    clip?.type === 'norm'
      ? {
          label: 'optimizer: gradient norm',
          bindings: BINDINGS,
          workgroups: [NORM_GROUPS, 1, 1],
          code: /* wgsl */ `
${head}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = wid.x * ${WG}u + li; i < ${paramCount}u; i = i + ${NORM_GROUPS * WG}u) { s = s + grads[i] * grads[i]; }
  part[li] = s;
  for (var half = ${WG / 2}u; half > 0u; half = half / 2u) {
    workgroupBarrier();
    if (li < half) { part[li] = part[li] + part[li + half]; }
  }
  if (li == 0u) { state[${NORM_AT}u + wid.x] = part[0]; }
}`,
        }
      : null;
  // PyTorch's clip_grad_norm_: scale by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ of the mean gradient.
  const clipFactor =
    clip?.type === 'norm'
      ? `var sq = 0.0;
  for (var i = 0u; i < ${NORM_GROUPS}u; i = i + 1u) { sq = sq + state[${NORM_AT}u + i]; }
  scale = scale * min(1.0, ${f32(clip.maxNorm)} / (sqrt(sq) * step.gradScale + 1e-6));`
      : '';
  let factors: string;
  if (c.type === 'sgd') {
    factors = `state[2] = step.lr;\n  state[5] = select(0.0, 1.0, t == 1.0);`;
  } else if (c.type === 'adam' || c.type === 'adamw') {
    // lr·√bc2/bc1 and ε·√bc2, as the tfjs Adam folds the bias corrections (Kingma and Ba, §2).
    const decoupled = c.type === 'adamw';
    factors = `let rootBc2 = sqrt(${oneMinusPow(c.beta2, 't')});
  state[2] = step.lr * rootBc2 / ${oneMinusPow(c.beta1, 't')};
  state[3] = ${f32(c.epsilon)} * rootBc2;
  state[4] = ${decoupled ? `1.0 - step.lr * ${f32(c.weightDecay)}` : '1.0'};`;
  } else {
    throw new Error(`optimizer '${c.type}' is not compiled yet`);
  }
  const prep: KernelSource = {
    label: 'optimizer: step factors',
    bindings: BINDINGS,
    workgroups: [1, 1, 1],
    code: /* wgsl */ `
${head}
${c.type === 'sgd' ? '' : ONE_MINUS_POW}
@compute @workgroup_size(1)
fn main() {
  let t = state[0] + 1.0;
  state[0] = t;
  var scale = step.gradScale;
  ${clipFactor}
  state[1] = scale;
  ${factors}
}`,
  };
  const flat = flatKernel(
    paramCount,
    `var g = grads[i] * state[1];
  ${clip?.type === 'value' ? `g = clamp(g, ${f32(-clip.maxValue)}, ${f32(clip.maxValue)});` : ''}
  ${updateRule(c, paramCount)}`,
    maxThreads,
  );
  const update: KernelSource = {
    label: `optimizer: ${c.type} update`,
    bindings: BINDINGS,
    workgroups: flat.workgroups,
    code: /* wgsl */ `
${head}
${flat.code}`,
  };
  return { norm, prep, update, slots, stateFloats: OPTIM_HEAD + slots.length * paramCount };
}

/** The per-element update (g is the scaled, clipped gradient; slot k of param i at HEAD + k·P + i). */
function updateRule(c: OptimizerConfig, paramCount: number): string {
  const slot = (k: number) => `${OPTIM_HEAD + k * paramCount}u + i`;
  if (c.type === 'sgd') {
    const decay = c.weightDecay > 0 ? `g = g + ${f32(c.weightDecay)} * params[i];` : '';
    if (c.momentum === 0) return `${decay}\n  params[i] = params[i] - state[2] * g;`;
    const mu = f32(c.momentum);
    return `${decay}
  let buf = select(${mu} * state[${slot(0)}] + ${f32(1 - c.dampening)} * g, g, state[5] != 0.0);
  state[${slot(0)}] = buf;
  params[i] = params[i] - state[2] * ${c.nesterov ? `(g + ${mu} * buf)` : 'buf'};`;
  }
  if (c.type !== 'adam' && c.type !== 'adamw') throw new Error(`optimizer '${c.type}' is not compiled yet`);
  const l2 = c.type === 'adam' && c.weightDecay > 0 ? `g = g + ${f32(c.weightDecay)} * p;` : '';
  return `let p = params[i] * state[4];
  ${l2}
  let m = ${f32(c.beta1)} * state[${slot(0)}] + ${f32(1 - c.beta1)} * g;
  let v = ${f32(c.beta2)} * state[${slot(1)}] + ${f32(1 - c.beta2)} * g * g;
  state[${slot(0)}] = m;
  state[${slot(1)}] = v;
  params[i] = p - state[2] * m / (sqrt(v) + state[3]);`;
}
