import { ACTIVATION_WGSL, activate, derivative, needsInput, usesHelpers, type Activation } from './activation';
import type { KernelBinding } from './common';
import { DROPOUT_WGSL, keepProb, keepScale, type DropoutSpec } from './dropout';

/**
 * What a kernel does with each finished element v = C[r, c] before writing it to `dst` at
 * cOffset + r · ldc + c (a GEMM's output, or an element-wise kernel's):
 * - 'store': writes v (with `add`, adds it to what dst holds: a second consumer's gradient).
 * - 'accumulate': writes v, or adds it when the step record says gradients are being accumulated.
 * - 'bias-act': the forward pass of a layer: act(v + bias[c]) (bias from `src` at
 *   biasOffset, none when null), then dropout with the step's seed when given.
 * - 'act-grad': the backward pass through the activation of the layer that produced this
 *   kernel's input: v · act'(y), y read from that layer's saved output in `src` (at hOffset, row
 *   stride ldh) or, for an activation that `needsInput`, from the saved input of that activation;
 *   with that layer's dropout, the same mask as its forward pass, and y recovered from the stored,
 *   rescaled output. `srcRole` reads y from another binding of the kernel (one already bound);
 *   `add` adds to dst.
 */
export type GemmEpilogue =
  | { readonly kind: 'store'; readonly add?: boolean }
  | { readonly kind: 'accumulate' }
  | { readonly kind: 'bias-act'; readonly biasOffset: number | null; readonly activation: Activation; readonly dropout?: DropoutSpec }
  | {
      readonly kind: 'act-grad';
      readonly activation: Activation;
      readonly hOffset: number;
      readonly ldh: number;
      readonly dropout?: DropoutSpec;
      readonly add?: boolean;
      readonly srcRole?: string;
    };

/** The epilogue's bindings (output 'dst', then 'src' and 'step' as it needs) and its `store` function. */
export interface EpilogueCode {
  readonly bindings: readonly KernelBinding[];
  /** WGSL defining `fn store(r: u32, c: u32, v: f32)`, plus helpers. */
  readonly code: string;
}

/** Generates the epilogue for an output of width n, row stride ldc, starting at cOffset. */
export function epilogueCode(e: GemmEpilogue, n: number, ldc: number, cOffset: number): EpilogueCode {
  const bindings: KernelBinding[] = [{ role: 'dst', kind: 'rw' }];
  const at = `let at = ${cOffset}u + r * ${ldc}u + c;`;
  const dropout = (e.kind === 'bias-act' || e.kind === 'act-grad') && e.dropout ? e.dropout : null;
  const kept = dropout ? `dropKeep(step.seed, ${dropout.salt >>> 0}u, r * ${n}u + c, ${keepProb(dropout)})` : '';
  const write = (value: string, add: boolean | undefined) => (add ? `dst[at] = dst[at] + ${value};` : `dst[at] = ${value};`);
  let body: string;
  switch (e.kind) {
    case 'store':
      body = `${at}\n  ${write('v', e.add)}`;
      break;
    case 'accumulate':
      bindings.push({ role: 'step', kind: 'step' });
      body = `${at}\n  if (step.accumulate != 0u) { dst[at] = dst[at] + v; } else { dst[at] = v; }`;
      break;
    case 'bias-act': {
      if (e.biasOffset !== null) bindings.push({ role: 'src', kind: 'read' });
      const z = e.biasOffset !== null ? `v + src[${e.biasOffset}u + c]` : 'v';
      const y = `let y = ${activate(e.activation, z)};`;
      const out = dropout ? `dst[at] = select(0.0, y * ${keepScale(dropout)}, ${kept});` : 'dst[at] = y;';
      body = `${at}\n  ${y}\n  ${out}`;
      break;
    }
    case 'act-grad': {
      const role = e.srcRole ?? 'src';
      if (role === 'src') bindings.push({ role: 'src', kind: 'read' });
      const h = `${role}[${e.hOffset}u + r * ${e.ldh}u + c]`;
      // The stored output of a layer with dropout is rescaled (or zero); an activation's input is stored as it is.
      const y = dropout && !needsInput(e.activation) ? `${h} * ${keepProb(dropout)}` : h;
      const grad = `v * ${derivative(e.activation, 'y')}`;
      body = `${at}\n  let y = ${y};\n  ${write(dropout ? `select(0.0, ${grad} * ${keepScale(dropout)}, ${kept})` : grad, e.add)}`;
      break;
    }
  }
  if (dropout && !bindings.some((b) => b.kind === 'step')) bindings.push({ role: 'step', kind: 'step' });
  const activation = e.kind === 'bias-act' || e.kind === 'act-grad' ? e.activation : 'linear';
  const code = `${dropout ? DROPOUT_WGSL : ''}
${usesHelpers(activation) ? ACTIVATION_WGSL : ''}
fn store(r: u32, c: u32, v: f32) {
  ${body}
}`;
  return { bindings, code };
}
