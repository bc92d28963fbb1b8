import { declareAll, flatKernel, type KernelBinding, type KernelSource } from './common';
import { spatialSize, type WindowGeometry } from './conv';
import { DROPOUT_WGSL, keepProb, keepScale, type DropoutSpec } from './dropout';
import { ACTIVATION_WGSL, derivative, usesHelpers, type Activation } from './activation';
import { epilogueCode, type GemmEpilogue } from './gemm-epilogue';

/** Max or average pooling over NHWC items, as tfjs computes them. */
export type PoolOp = 'max' | 'avg';

/** One pooling layer for a batch: its window, the input's item stride, and its dropout when training. */
export interface PoolSpec {
  readonly op: PoolOp;
  readonly geometry: WindowGeometry;
  readonly rows: number;
  /** Words from one item of the input to the next. */
  readonly inputLd: number;
  readonly dropout?: DropoutSpec;
}

/**
 * The forward pass, one thread per output value: the window's maximum (the first one, as tfjs,
 * whose position in the window goes to `index` for the backward pass) or its average over the
 * values inside the input (padding is not counted, as tfjs). Bindings: x, dst, index (max), step
 * (dropout). Dropout masks index the output as the GEMM epilogues do: item · size + value.
 */
export function poolForwardKernel(s: PoolSpec, maxThreads: number): KernelSource {
  const g = s.geometry;
  const { input: i, output: o } = g;
  const max = s.op === 'max';
  const bindings: KernelBinding[] = [
    { role: 'x', kind: 'read' },
    { role: 'dst', kind: 'rw' },
  ];
  if (max) bindings.push({ role: 'index', kind: 'rw' });
  if (s.dropout) bindings.push({ role: 'step', kind: 'step' });
  const total = s.rows * spatialSize(o);
  const write = s.dropout ? `select(0.0, y * ${keepScale(s.dropout)}, dropKeep(step.seed, ${s.dropout.salt >>> 0}u, i, ${keepProb(s.dropout)}))` : 'y';
  const flat = flatKernel(
    total,
    `let n = i / ${spatialSize(o)}u;
  let j = i % ${spatialSize(o)}u;
  let ch = j % ${o.c}u;
  let y0 = i32(j / ${o.w * o.c}u) * ${g.sy} - ${g.padTop};
  let x0 = i32((j / ${o.c}u) % ${o.w}u) * ${g.sx} - ${g.padLeft};
  var best = ${max ? '-3.402823e+38' : '0.0'};
  var at = 0u;
  var count = 0.0;
  for (var ky = 0; ky < ${g.kh}; ky++) {
    let iy = y0 + ky;
    if (iy < 0 || iy >= ${i.h}) { continue; }
    for (var kx = 0; kx < ${g.kw}; kx++) {
      let ix = x0 + kx;
      if (ix < 0 || ix >= ${i.w}) { continue; }
      let v = x[n * ${s.inputLd}u + (u32(iy) * ${i.w}u + u32(ix)) * ${i.c}u + ch];
      ${max ? `if (v > best || count == 0.0) { best = v; at = u32(ky * ${g.kw} + kx); }` : 'best = best + v;'}
      count = count + 1.0;
    }
  }
  let y = ${max ? 'best' : 'best / count'};
  dst[i] = ${write};
  ${max ? 'index[i] = f32(at);' : ''}`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${s.dropout ? DROPOUT_WGSL : ''}
${flat.code}`;
  return { label: `${s.op} pool forward`, code, bindings, workgroups: flat.workgroups };
}

/**
 * The backward pass, one thread per input value: the sum of the output gradients `g` of the
 * windows that took it (max: where it was the recorded maximum; avg: each window's gradient over
 * its count), then the epilogue of the layer below (its activation's derivative and dropout), as
 * `store(item, value, v)`. Windows that do not overlap (stride ≥ window) give each value at most
 * one window, found without a loop. `fromPooled` (max pooling, the layer below without dropout):
 * the derivative of that layer's activation is taken at the pooled output (the window's maximum is
 * the value below at its argmax), a quarter of the reads of its output for a 2 × 2 window; the
 * epilogue is then a plain store. Bindings: g, index (max), pooled (fromPooled), then the epilogue's.
 */
export function poolBackwardKernel(s: PoolSpec, epilogue: GemmEpilogue, maxThreads: number, fromPooled?: Activation): KernelSource {
  const g = s.geometry;
  const { input: i, output: o } = g;
  const max = s.op === 'max';
  if (fromPooled && (!max || epilogue.kind !== 'store'))
    throw new Error('pool backward: the derivative at the pooled output needs max pooling and a plain store');
  const inSize = spatialSize(i);
  const epi = epilogueCode(epilogue, inSize, inSize, 0);
  const bindings: KernelBinding[] = [
    { role: 'g', kind: 'read' },
    ...(max ? [{ role: 'index', kind: 'read' } as const] : []),
    ...(fromPooled ? [{ role: 'pooled', kind: 'read' } as const] : []),
    ...epi.bindings,
  ];
  const total = s.rows * inSize;
  const grad = fromPooled ? `g[o] * ${derivative(fromPooled, 'pooled[o]')}` : 'g[o]';
  const take = max
    ? `if (u32(index[o]) == u32(ky * ${g.kw} + kx)) { v = v + ${grad}; }`
    : `let h = min(oy * ${g.sy} - ${g.padTop} + ${g.kh}, ${i.h}) - max(oy * ${g.sy} - ${g.padTop}, 0);
        let w = min(ox * ${g.sx} - ${g.padLeft} + ${g.kw}, ${i.w}) - max(ox * ${g.sx} - ${g.padLeft}, 0);
        v = v + g[o] / f32(h * w);`;
  const at = `let o = n * ${spatialSize(o)}u + (u32(oy) * ${o.w}u + u32(ox)) * ${o.c}u + ch;`;
  // Output rows (columns) whose window covers input row iy: oy·sy − padTop ≤ iy ≤ oy·sy − padTop + kh − 1.
  const range = (v: string, k: number, stride: number, out: number) =>
    `let ${v}Lo = max(0, (${v}p - ${k - 1} + ${stride - 1}) / ${stride}); let ${v}Hi = min(${out - 1}, ${v}p / ${stride});`;
  const windows =
    g.sy >= g.kh && g.sx >= g.kw
      ? `let oy = yp / ${g.sy};
  let ox = xp / ${g.sx};
  let ky = yp - oy * ${g.sy};
  let kx = xp - ox * ${g.sx};
  if (oy < ${o.h} && ox < ${o.w} && ky < ${g.kh} && kx < ${g.kw}) {
    ${at}
    ${take}
  }`
      : `${range('y', g.kh, g.sy, o.h)}
  ${range('x', g.kw, g.sx, o.w)}
  for (var oy = yLo; oy <= yHi; oy++) {
    let ky = yp - oy * ${g.sy};
    for (var ox = xLo; ox <= xHi; ox++) {
      let kx = xp - ox * ${g.sx};
      ${at}
      ${take}
    }
  }`;
  const flat = flatKernel(
    total,
    `let n = t / ${inSize}u;
  let j = t % ${inSize}u;
  let ch = j % ${i.c}u;
  let yp = i32(j / ${i.w * i.c}u) + ${g.padTop};
  let xp = i32((j / ${i.c}u) % ${i.w}u) + ${g.padLeft};
  var v = 0.0;
  ${windows}
  store(n, j, v);`,
    maxThreads,
    't',
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${fromPooled && usesHelpers(fromPooled) ? ACTIVATION_WGSL : ''}
${epi.code}
${flat.code}`;
  return { label: `${s.op} pool backward`, code, bindings, workgroups: flat.workgroups };
}
