/**
 * What every generated kernel shares: its description for pipeline creation, the per-step uniform
 * that carries the values which change from step to step, and small WGSL helpers.
 */

/** How a kernel binds one buffer: read-only storage, read-write storage, or the per-step uniform. */
export type BindingKind = 'read' | 'rw' | 'step';

/** One binding of a kernel, named by the role the caller fills it with. */
export interface KernelBinding {
  readonly role: string;
  readonly kind: BindingKind;
}

/** A generated compute kernel: WGSL with entry point `main`, its bindings in order, its grid. */
export interface KernelSource {
  readonly label: string;
  readonly code: string;
  /** Binding i of group 0 is bindings[i]. */
  readonly bindings: readonly KernelBinding[];
  readonly workgroups: readonly [number, number, number];
}

/**
 * The per-step values, one 32-byte record per ring slot, bound with a dynamic offset so that all
 * bind groups are made once. `row0` is the step's first position in the epoch order, `slot` its
 * statistics ring slot, `seed` the dropout seed, `accumulate` 1 when this batch's gradients add to
 * ones already held, `lr` and `gradScale` (1 / items behind the summed gradients) feed the optimizer.
 */
export const STEP_STRUCT = /* wgsl */ `
struct Step {
  row0: u32,
  slot: u32,
  seed: u32,
  accumulate: u32,
  lr: f32,
  gradScale: f32,
  pad0: u32,
  pad1: u32,
}`;

/** Bytes of one Step record. */
export const STEP_BYTES = 32;

/**
 * Floats each step writes into its statistics slot. Classification: loss sum over the rows,
 * correct count, rows. Regression: loss sum (each row's mean squared error), absolute error sum,
 * rows. The fourth is spare, so slots stay 16-byte aligned.
 */
export const STATS_STRIDE = 4;

/**
 * Floats per step in the statistics ring: the four above, then with class statistics (for
 * precision, recall, F-scores and top-k accuracy) 4 × classes counts: true positives, predicted
 * and actual counts per class, and how many rows had their label at each rank (0: the highest
 * output; rank = outputs strictly above the label's).
 */
export function statsStride(classes: number, classStats: boolean): number {
  return STATS_STRIDE + (classStats ? 4 * classes : 0);
}

/** The WGSL declaration of binding i. */
export function declareBinding(index: number, binding: KernelBinding, type = 'array<f32>'): string {
  const name = binding.role;
  switch (binding.kind) {
    case 'read':
      return `@group(0) @binding(${index}) var<storage, read> ${name}: ${type};`;
    case 'rw':
      return `@group(0) @binding(${index}) var<storage, read_write> ${name}: ${type};`;
    case 'step':
      return `@group(0) @binding(${index}) var<uniform> ${name}: Step;`;
  }
}

/** Declarations for all bindings; `types` overrides the element type of a role (e.g. u32 data). */
export function declareAll(bindings: readonly KernelBinding[], types: Readonly<Record<string, string>> = {}): string {
  const uses = bindings.some((b) => b.kind === 'step') ? `${STEP_STRUCT}\n` : '';
  return uses + bindings.map((b, i) => declareBinding(i, b, types[b.role])).join('\n');
}

/** Formats a number as a WGSL f32 literal (always with a decimal point or exponent). */
export function f32(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as a WGSL f32 constant`);
  const s = String(Math.fround(x));
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Threads per workgroup of the element-wise kernels (fewer where the device allows fewer). */
const FLAT_WG = 256;

/**
 * Workgroups an element-wise kernel launches at most; past that each thread takes several
 * elements. An H100 launched workgroups at about 1.4 G/s: one 64-thread workgroup per 64 values
 * bounded a 100 MB pooling pass at 280 µs, three times what its memory traffic takes.
 */
const FLAT_MAX_GROUPS = 8192;

/**
 * An element-wise kernel's entry point and grid: `body` (WGSL statements for element `index`,
 * which may return) becomes `fn element`; each thread runs it for up to `per` elements a
 * workgroup's width apart, so that a warp's accesses stay contiguous.
 */
export function flatKernel(total: number, body: string, maxThreads: number, index = 'i'): { code: string; workgroups: [number, number, number] } {
  const wg = Math.min(FLAT_WG, maxThreads);
  const groups = Math.max(1, Math.ceil(total / wg));
  const per = Math.ceil(groups / FLAT_MAX_GROUPS);
  const code = `fn element(${index}: u32) {
  ${body}
}

@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let first = wid.x * ${wg * per}u + lid.x;
  for (var e = 0u; e < ${per}u; e = e + 1u) {
    let i = first + e * ${wg}u;
    if (i >= ${total}u) { return; }
    element(i);
  }
}`;
  return { code, workgroups: [Math.ceil(groups / per), 1, 1] };
}
