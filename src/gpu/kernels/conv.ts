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

/**
 * A strided convolution's input gradient, split by the input pixels' phase (their position modulo
 * the stride, padding included): the pixels of one phase are reached only by the taps of the same
 * phase, so each phase is a dense GEMM over those taps, where the one GEMM over all taps would
 * multiply zeros for all but about 1 / (sy · sx) of them. Per phase: its rows per item, its taps
 * (× output channels), and the WGSL of the A loader (output gradient, binding `a`), the B loader
 * (filter, binding `b`, from `offset`) and the row map to the input's pixel. Null where some phase
 * has no taps (a window smaller than its stride).
 */
export interface InputGradientPhase {
  readonly label: string;
  readonly rowsPerItem: number;
  readonly taps: number;
  readonly aLoad: string;
  readonly bLoad: string;
  readonly rowMap: string;
}

/** The phases of a strided convolution's input gradient (see InputGradientPhase); rows and columns named `pixel`, `tap`, `channel`. */
export function inputGradientPhases(g: WindowGeometry, offset: number, pixel: string, tap: string, channel: string): InputGradientPhase[] | null {
  const { input: i, output: o } = g;
  const axis = (phase: number, size: number, k: number, s: number, pad: number) => {
    const first = (((phase - pad) % s) + s) % s;
    return {
      first,
      count: first < size ? Math.ceil((size - first) / s) : 0,
      taps: phase < k ? Math.ceil((k - phase) / s) : 0,
      base: (first + pad - phase) / s,
    };
  };
  const out: InputGradientPhase[] = [];
  for (let py = 0; py < g.sy; py++) {
    for (let px = 0; px < g.sx; px++) {
      const y = axis(py, i.h, g.kh, g.sy, g.padTop);
      const x = axis(px, i.w, g.kw, g.sx, g.padLeft);
      if (y.count === 0 || x.count === 0) continue;
      if (y.taps === 0 || x.taps === 0) return null;
      const cells = y.count * x.count;
      const decode = `let kyi = ${tap} / ${x.taps * o.c}u; let kxi = (${tap} / ${o.c}u) % ${x.taps}u; let co = ${tap} % ${o.c}u;`;
      out.push({
        label: `phase ${py},${px}`,
        rowsPerItem: cells,
        taps: y.taps * x.taps * o.c,
        aLoad: `let n = ${pixel} / ${cells}u; let p = ${pixel} % ${cells}u;
  ${decode}
  let oy = i32(p / ${x.count}u) + ${y.base} - i32(kyi);
  let ox = i32(p % ${x.count}u) + ${x.base} - i32(kxi);
  if (oy < 0 || ox < 0 || oy >= ${o.h} || ox >= ${o.w}) { return 0.0; }
  return a[n * ${spatialSize(o)}u + (u32(oy) * ${o.w}u + u32(ox)) * ${o.c}u + co];`,
        bLoad: `${decode}
  return b[${offset}u + (((${py}u + kyi * ${g.sy}u) * ${g.kw}u + ${px}u + kxi * ${g.sx}u) * ${i.c}u + ${channel}) * ${o.c}u + co];`,
        rowMap: `let n = r / ${cells}u; let p = r % ${cells}u;
  return n * ${i.h * i.w}u + (${y.first}u + (p / ${x.count}u) * ${g.sy}u) * ${i.w}u + ${x.first}u + (p % ${x.count}u) * ${g.sx}u;`,
      });
    }
  }
  return out;
}
