import { declareAll, f32, flatKernel, type KernelSource } from './common';

/**
 * Dropout masks from a counter-based hash of (step seed, layer salt, element index): nothing is
 * stored, the backward pass recomputes the forward pass's mask, and a seed reproduces a run. The
 * masks are not tfjs's (whose dropout does not reproduce bit for bit anyway).
 */

/** A dropout after a layer: its rate and a salt that tells its mask from other layers'. */
export interface DropoutSpec {
  readonly rate: number;
  readonly salt: number;
}

/**
 * WGSL: PCG hash (Jarzynski and Olano, "Hash Functions for GPU Rendering", 2020) and
 * `dropKeep(seed, salt, index, keepProb)`, true when the element survives.
 */
export const DROPOUT_WGSL = /* wgsl */ `
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn dropKeep(seed: u32, salt: u32, index: u32, keepProb: f32) -> bool {
  let h = pcg(pcg(index) ^ pcg(seed + pcg(salt)));
  return f32(h >> 8u) * (1.0 / 16777216.0) < keepProb;
}`;

/** The same PCG hash on the host (u32 arithmetic), for tests and host-side checks. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The host mirror of `dropKeep`: bit-identical to the GPU mask. */
export function dropoutKeeps(seed: number, salt: number, index: number, rate: number): boolean {
  const h = pcgHash((pcgHash(index) ^ pcgHash((seed + pcgHash(salt)) >>> 0)) >>> 0);
  return (h >>> 8) / 16777216 < Math.fround(1 - rate);
}

/** WGSL: a kept element's scale, 1 / (1 − rate), as tfjs scales survivors at training time. */
export function keepScale(spec: DropoutSpec): string {
  return f32(1 / (1 - spec.rate));
}

/** WGSL: the keep probability as an f32 literal. */
export function keepProb(spec: DropoutSpec): string {
  return f32(1 - spec.rate);
}

/** Where a standalone dropout applies: `cols` columns of `rows` rows of stride `ld`, from `offset`. */
export interface DropoutRegion {
  readonly rows: number;
  readonly cols: number;
  readonly ld: number;
  readonly offset: number;
}

/**
 * In-place dropout over a region of `x` with the step's seed (bindings: x rw, step). The dense
 * layers fuse their dropout into their GEMMs; this one serves a dropout on the input, whose
 * gradient is never needed. The mask index is row · cols + col, as the fused epilogue's.
 */
export function dropoutKernel(spec: DropoutSpec, region: DropoutRegion, maxThreads: number): KernelSource {
  const bindings = [
    { role: 'x', kind: 'rw' },
    { role: 'step', kind: 'step' },
  ] as const;
  const flat = flatKernel(
    region.rows * region.cols,
    `let r = i / ${region.cols}u;
  let c = i % ${region.cols}u;
  let at = ${region.offset}u + r * ${region.ld}u + c;
  x[at] = select(0.0, x[at] * ${keepScale(spec)}, dropKeep(step.seed, ${spec.salt >>> 0}u, i, ${keepProb(spec)}));`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${DROPOUT_WGSL}
${flat.code}`;
  return { label: 'dropout', code, bindings, workgroups: flat.workgroups };
}
