/**
 * Convolutions as implicit GEMMs over NHWC data: nothing is unfolded in memory; the GEMM's A or B
 * loader computes which input value (or zero, in the padding) each element of the unfolded matrix
 * is. Also the window geometry that convolutions and pooling share, computed as tfjs computes it.
 */

/** An item's spatial shape (channels last). */
export interface Spatial {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** A sliding window over an input: its size, strides and top/left padding, and the output it gives. */
export interface WindowGeometry {
  readonly input: Spatial;
  readonly output: Spatial;
  readonly kh: number;
  readonly kw: number;
  readonly sy: number;
  readonly sx: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** Window padding as Keras names it. */
export type Padding = 'same' | 'valid';

/**
 * The output size and padding of a window (as tfjs's `computeConv2DInfo`): 'valid' keeps windows
 * inside the input; 'same' gives ceil(size / stride) outputs and pads half the excess on top (the
 * smaller half) and the rest at the bottom. `channels` is the output's (filters, or the input's).
 */
export function windowGeometry(input: Spatial, kh: number, kw: number, sy: number, sx: number, padding: Padding, channels: number): WindowGeometry {
  const side = (size: number, k: number, s: number): { out: number; pad: number } => {
    if (padding === 'valid') return { out: Math.ceil((size - k + 1) / s), pad: 0 };
    const out = Math.ceil(size / s);
    return { out, pad: Math.floor(Math.max(0, (out - 1) * s + k - size) / 2) };
  };
  const y = side(input.h, kh, sy);
  const x = side(input.w, kw, sx);
  return { input, output: { h: y.out, w: x.out, c: channels }, kh, kw, sy, sx, padTop: y.pad, padLeft: x.pad };
}

/** Values an item of a shape holds. */
export function spatialSize(s: Spatial): number {
  return s.h * s.w * s.c;
}

/**
 * WGSL statements returning the unfolded input: element [pixel, tap] is the input value under tap
 * (ky, kx, ci) of output pixel (n, oy, ox), or 0 in the padding. Reads binding `a`, whose items
 * start every `ld` words. `pixel` and `tap` are the WGSL names of the two indices.
 */
export function unfoldedInput(g: WindowGeometry, ld: number, pixel: string, tap: string): string {
  const { input: i, output: o } = g;
  return `let n = ${pixel} / ${o.h * o.w}u; let p = ${pixel} % ${o.h * o.w}u;
  let ky = ${tap} / ${g.kw * i.c}u; let kr = ${tap} % ${g.kw * i.c}u;
  let iy = i32((p / ${o.w}u) * ${g.sy}u + ky) - ${g.padTop};
  let ix = i32((p % ${o.w}u) * ${g.sx}u + kr / ${i.c}u) - ${g.padLeft};
  if (iy < 0 || iy >= ${i.h} || ix < 0 || ix >= ${i.w}) { return 0.0; }
  return a[n * ${ld}u + (u32(iy) * ${i.w}u + u32(ix)) * ${i.c}u + kr % ${i.c}u];`;
}

/**
 * WGSL statements returning the output gradient as the input gradient's GEMM sees it: element
 * [pixel, tap] of input pixel (n, iy, ix) and tap (ky, kx, co) is dy[n, oy, ox, co] for the output
 * pixel whose window puts tap (ky, kx) on that input pixel, or 0 where none does. Reads binding `a`.
 */
export function outputGradientTaps(g: WindowGeometry, pixel: string, tap: string): string {
  const { input: i, output: o } = g;
  const strided = (t: string, s: number) => (s > 1 ? `if (${t} % ${s} != 0) { return 0.0; }` : '');
  return `let n = ${pixel} / ${i.h * i.w}u; let p = ${pixel} % ${i.h * i.w}u;
  let ky = ${tap} / ${g.kw * o.c}u; let kr = ${tap} % ${g.kw * o.c}u;
  let ty = i32(p / ${i.w}u) + ${g.padTop} - i32(ky);
  let tx = i32(p % ${i.w}u) + ${g.padLeft} - i32(kr / ${o.c}u);
  if (ty < 0 || tx < 0) { return 0.0; }
  ${strided('ty', g.sy)} ${strided('tx', g.sx)}
  let oy = u32(ty) / ${g.sy}u; let ox = u32(tx) / ${g.sx}u;
  if (oy >= ${o.h}u || ox >= ${o.w}u) { return 0.0; }
  return a[n * ${spatialSize(o)}u + (oy * ${o.w}u + ox) * ${o.c}u + kr % ${o.c}u];`;
}

/**
 * WGSL statements returning the filter [kh, kw, c, oc] (binding `b`, from `offset`) as the input
 * gradient's GEMM needs it: element [tap (ky, kx, co), ci] is W[ky, kx, ci, co].
 */
export function filterByTap(g: WindowGeometry, offset: number, tap: string, channel: string): string {
  const { input: i, output: o } = g;
  return `return b[${offset}u + (${tap} / ${o.c}u) * ${i.c * o.c}u + ${channel} * ${o.c}u + ${tap} % ${o.c}u];`;
}
