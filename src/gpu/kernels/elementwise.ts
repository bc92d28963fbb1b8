import { declareAll, f32, flatKernel, type KernelBinding, type KernelSource } from './common';
import type { Spatial } from './conv';
import { epilogueCode, type GemmEpilogue } from './gemm-epilogue';

/**
 * Element-wise layers: the sum of a layer's sources (an Add, or one source for an activation of
 * its own), global average pooling, and a gradient passed to a source. Each ends in an epilogue
 * (`store(item, value, v)`), so activations, dropout and the layer below's derivative fuse as in
 * the GEMMs. Sources are read at their own item stride (the batch rows for the model input).
 */

/** Where a kernel reads one source: the words from one item to the next. */
export interface SourceRead {
  readonly ld: number;
}

/** Output = epilogue(Σ sources) over `rows` items of `width` values. Bindings: x0, x1, …, then the epilogue's. */
export function addForwardKernel(rows: number, width: number, sources: readonly SourceRead[], epilogue: GemmEpilogue, maxThreads: number): KernelSource {
  const epi = epilogueCode(epilogue, width, width, 0);
  const bindings: KernelBinding[] = [...sources.map((_, k) => ({ role: `x${k}`, kind: 'read' }) as const), ...epi.bindings];
  const sum = sources.map((s, k) => `x${k}[r * ${s.ld}u + c]`).join(' + ');
  const flat = flatKernel(rows * width, `let r = i / ${width}u;\n  let c = i % ${width}u;\n  store(r, c, ${sum});`, maxThreads);
  const code = /* wgsl */ `
${declareAll(bindings)}
${epi.code}
${flat.code}`;
  return { label: sources.length > 1 ? 'add forward' : 'activation forward', code, bindings, workgroups: flat.workgroups };
}

/** A gradient [rows × width] (binding g, contiguous) through the epilogue of the source it goes to. Bindings: g, then the epilogue's. */
export function gradientPassKernel(rows: number, width: number, epilogue: GemmEpilogue, maxThreads: number): KernelSource {
  const epi = epilogueCode(epilogue, width, width, 0);
  const bindings: KernelBinding[] = [{ role: 'g', kind: 'read' }, ...epi.bindings];
  const flat = flatKernel(rows * width, `store(i / ${width}u, i % ${width}u, g[i]);`, maxThreads);
  const code = /* wgsl */ `
${declareAll(bindings)}
${epi.code}
${flat.code}`;
  return { label: 'gradient to source', code, bindings, workgroups: flat.workgroups };
}

/**
 * Global average pooling forward: each item's channel means over the image (read at item stride
 * `ld`), then the epilogue (dropout). Bindings: x, then the epilogue's.
 */
export function globalPoolForwardKernel(rows: number, image: Spatial, ld: number, epilogue: GemmEpilogue, maxThreads: number): KernelSource {
  const pixels = image.h * image.w;
  const epi = epilogueCode(epilogue, image.c, image.c, 0);
  const bindings: KernelBinding[] = [{ role: 'x', kind: 'read' }, ...epi.bindings];
  const flat = flatKernel(
    rows * image.c,
    `let r = i / ${image.c}u;
  let c = i % ${image.c}u;
  var s = 0.0;
  for (var p = 0u; p < ${pixels}u; p = p + 1u) { s = s + x[r * ${ld}u + p * ${image.c}u + c]; }
  store(r, c, s / ${f32(pixels)});`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${epi.code}
${flat.code}`;
  return { label: 'global average pool forward', code, bindings, workgroups: flat.workgroups };
}

/** Global average pooling backward: each input value gets its channel's gradient over the pixels, through the epilogue. Bindings: g, then the epilogue's. */
export function globalPoolBackwardKernel(rows: number, image: Spatial, epilogue: GemmEpilogue, maxThreads: number): KernelSource {
  const size = image.h * image.w * image.c;
  const epi = epilogueCode(epilogue, size, size, 0);
  const bindings: KernelBinding[] = [{ role: 'g', kind: 'read' }, ...epi.bindings];
  const flat = flatKernel(
    rows * size,
    `let r = i / ${size}u;
  let j = i % ${size}u;
  store(r, j, g[r * ${image.c}u + j % ${image.c}u] / ${f32(image.h * image.w)});`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${epi.code}
${flat.code}`;
  return { label: 'global average pool backward', code, bindings, workgroups: flat.workgroups };
}
