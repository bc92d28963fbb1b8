import { activate, derivativeFromOutput, type Activation } from './activation';
import type { KernelBinding } from './common';
import { DROPOUT_WGSL, keepProb, keepScale, type DropoutSpec } from './dropout';

/**
 * What a GEMM does with each finished element v = C[r, c] before writing it to `dst` at
 * cOffset + r · ldc + c:
 * - 'store': writes v.
 * - 'accumulate': writes v, or adds it when the step record says gradients are being accumulated.
 * - 'bias-act': the forward pass of a Dense layer: act(v + bias[c]) (bias from `src` at
 *   biasOffset, none when null), then dropout with the step's seed when given.
 * - 'act-grad': the backward pass through the previous layer's activation: v · act'(y), y read
 *   from that layer's saved output in `src` (at hOffset, row stride ldh); with that layer's dropout,
 *   the same mask as its forward pass, and y recovered from the stored, rescaled output.
 */
export type GemmEpilogue =
  | { readonly kind: 'store' }
  | { readonly kind: 'accumulate' }
  | { readonly kind: 'bias-act'; readonly biasOffset: number | null; readonly activation: Activation; readonly dropout?: DropoutSpec }
  | { readonly kind: 'act-grad'; readonly activation: Activation; readonly hOffset: number; readonly ldh: number; readonly dropout?: DropoutSpec };

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
  let body: string;
  switch (e.kind) {
    case 'store':
      body = `${at}\n  dst[at] = v;`;
      break;
    case 'accumulate':
      bindings.push({ role: 'step', kind: 'step' });
      body = `${at}\n  if (step.accumulate != 0u) { dst[at] = dst[at] + v; } else { dst[at] = v; }`;
      break;
    case 'bias-act': {
      if (e.biasOffset !== null) bindings.push({ role: 'src', kind: 'read' });
      const z = e.biasOffset !== null ? `v + src[${e.biasOffset}u + c]` : 'v';
      const y = `let y = ${activate(e.activation, z)};`;
      const write = dropout ? `dst[at] = select(0.0, y * ${keepScale(dropout)}, ${kept});` : 'dst[at] = y;';
      body = `${at}\n  ${y}\n  ${write}`;
      break;
    }
    case 'act-grad': {
      bindings.push({ role: 'src', kind: 'read' });
      const h = `src[${e.hOffset}u + r * ${e.ldh}u + c]`;
      body = dropout
        ? `${at}\n  let y = ${h} * ${keepProb(dropout)};\n  dst[at] = select(0.0, v * ${keepScale(dropout)} * ${derivativeFromOutput(e.activation, 'y')}, ${kept});`
        : `${at}\n  let y = ${h};\n  dst[at] = v * ${derivativeFromOutput(e.activation, 'y')};`;
      break;
    }
  }
  if (dropout && !bindings.some((b) => b.kind === 'step')) bindings.push({ role: 'step', kind: 'step' });
  const code = `${dropout ? DROPOUT_WGSL : ''}
fn store(r: u32, c: u32, v: f32) {
  ${body}
}`;
  return { bindings, code };
}
