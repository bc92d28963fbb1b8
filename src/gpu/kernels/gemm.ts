import { declareAll, flatKernel, type KernelBinding, type KernelSource } from './common';
import { epilogueCode, type GemmEpilogue } from './gemm-epilogue';
import type { KernelLimits } from '../device';
import { kGroup, tileBuffers, tilePad, type GemmTiling } from './gemm-tiling';

/**
 * C[m × n] = op(A)[m × k] · op(B)[k × n], then the epilogue. A is stored row-major as [m, k]
 * (or [k, m] when transA) with row stride lda from aOffset; B as [k, n] (or [n, k] when transB).
 * With onesRow, op(A)'s last row (index m − 1) is all ones and not stored: the weight-gradient GEMM
 * then yields the bias gradient (column sums) as C's last row, which lands on the bias when the
 * bias follows its kernel in the packed parameters. Every offset and size is baked into the WGSL.
 */
export interface GemmSpec {
  readonly label: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly lda: number;
  readonly ldb: number;
  readonly ldc: number;
  readonly aOffset: number;
  readonly bOffset: number;
  readonly cOffset: number;
  readonly onesRow?: boolean;
  /**
   * WGSL statements returning op(A)[row, kk] (both in range) when A is not a stored matrix, such as a
   * convolution's unfolded input; lda and aOffset are then unused, and transA only picks the tile
   * load order (true: neighbouring threads take neighbouring rows).
   */
  readonly aLoad?: string;
  /** The same for op(B)[kk, col] (transB true: neighbouring threads take neighbouring kk). */
  readonly bLoad?: string;
  /** WGSL statements returning the output row of C's row `r` (default: r), for a GEMM that writes some rows of a larger output. */
  readonly rowMap?: string;
  readonly epilogue: GemmEpilogue;
  readonly tiling: GemmTiling;
}

/**
 * The kernels of one GEMM. Without split-K, `main` binds a, b and the epilogue's roles (dst, src,
 * step). With split-K, `main` writes partial products to 'part' and `reduce` sums them (binding
 * 'part' read-only, then the epilogue's roles); `partFloats` is the scratch that needs.
 */
export interface GemmKernels {
  readonly main: KernelSource;
  readonly reduce: KernelSource | null;
  readonly partFloats: number;
}

/** K per split, a multiple of tk, and the number of splits that leaves. */
function splitRange(k: number, t: GemmTiling): { ks: number; splits: number } {
  const ks = Math.max(t.tk, Math.ceil(Math.ceil(k / t.splitK) / t.tk) * t.tk);
  return { ks, splits: Math.max(1, Math.ceil(k / ks)) };
}

/** Unrolled WGSL lines, one per (i, j) of the register tile. */
function unroll(rm: number, rn: number, line: (i: number, j: number) => string): string {
  const out: string[] = [];
  for (let i = 0; i < rm; i++) for (let j = 0; j < rn; j++) out.push(line(i, j));
  return out.join('\n    ');
}

/**
 * How the threads of a workgroup walk a tile of `edge` rows (or columns) × tk of K as it is loaded
 * (WGSL computing the row or column, named `r`, and `kk` from the element number `i`). Rows first where the stored matrix has
 * them contiguous; otherwise groups of `kGroup` consecutive K, so that a warp reads whole 32-byte
 * sectors and, with the padded stride, writes workgroup memory without bank conflicts.
 */
function tileWalk(kContiguous: boolean, edge: number, t: GemmTiling, r: 'r' | 'c'): string {
  if (!kContiguous) return `let ${r} = i % ${edge}u; let kk = i / ${edge}u;`;
  const g = kGroup(t.tk);
  return `let kk = (i / ${g * edge}u) * ${g}u + i % ${g}u; let ${r} = (i / ${g}u) % ${edge}u;`;
}

/** Generates the GEMM's kernels. Edge tiles are guarded, so any m, n, k works with any tiling. */
export function gemmKernels(s: GemmSpec, limits: Pick<KernelLimits, 'maxWorkgroupsPerDim' | 'maxInvocations'>): GemmKernels {
  const { maxWorkgroupsPerDim, maxInvocations: maxThreads } = limits;
  const t = s.tiling;
  const tx = t.tn / t.rn;
  const ty = t.tm / t.rm;
  const threads = tx * ty;
  const { ks, splits } = splitRange(s.k, t);
  const epi = epilogueCode(s.epilogue, s.n, s.ldc, s.cOffset);
  const split = splits > 1;
  const bindings: KernelBinding[] = [
    { role: 'a', kind: 'read' },
    { role: 'b', kind: 'read' },
    ...(split ? [{ role: 'part', kind: 'rw' } as const] : epi.bindings),
  ];
  const storedRows = s.onesRow ? s.m - 1 : s.m;
  const aIndex = s.transA ? `kk * ${s.lda}u + row` : `row * ${s.lda}u + kk`;
  const bIndex = s.transB ? `col * ${s.ldb}u + kk` : `kk * ${s.ldb}u + col`;
  // Workgroup tiles hold K-row after K-row, each padded (see tilePad).
  const sa = t.tm + tilePad(t);
  const sb = t.tn + tilePad(t);
  const aTile = tileWalk(!s.transA, t.tm, t, 'r');
  const bTile = tileWalk(s.transB, t.tn, t, 'c');
  // A thread's rm rows and rn columns: strided across the tile one by one, or (vec4) in groups of
  // four read from workgroup memory as vec4s, the groups strided so that neighbouring threads take
  // neighbouring vec4s (no bank conflicts) and store neighbouring 16-byte pieces of C.
  const vec = t.vec4 === true;
  const rowOf = (i: number) => (vec ? `ty * 4u + ${(i >> 2) * ty * 4 + (i & 3)}u` : `ty + ${i * ty}u`);
  const colOf = (j: number) => (vec ? `tx * 4u + ${(j >> 2) * tx * 4 + (j & 3)}u` : `tx + ${j * tx}u`);
  // With two buffers, the K tiles alternate between them (buf), so one barrier per tile suffices.
  const double = tileBuffers(t) === 2;
  const base = (words: number) => (double ? `buf * ${words}u + ` : '');
  const put = (tile: string, at: string, value: string) => (vec ? `{ let at = ${at}; ${tile}[at >> 2u][at & 3u] = ${value}; }` : `${tile}[${at}] = ${value};`);
  const fragments = vec
    ? [
        ...Array.from({ length: t.rm / 4 }, (_, p) => `let a${p} = As[${base((sa * t.tk) / 4)}kk * ${sa / 4}u + ty + ${p * ty}u];`),
        ...Array.from({ length: t.rn / 4 }, (_, q) => `let b${q} = Bs[${base((sb * t.tk) / 4)}kk * ${sb / 4}u + tx + ${q * tx}u];`),
      ]
    : [
        ...Array.from({ length: t.rm }, (_, i) => `let a${i} = As[${base(sa * t.tk)}kk * ${sa}u + ${rowOf(i)}];`),
        ...Array.from({ length: t.rn }, (_, j) => `let b${j} = Bs[${base(sb * t.tk)}kk * ${sb}u + ${colOf(j)}];`),
      ];
  const aAt = (i: number) => (vec ? `a${i >> 2}.${'xyzw'[i & 3]}` : `a${i}`);
  const bAt = (j: number) => (vec ? `b${j >> 2}.${'xyzw'[j & 3]}` : `b${j}`);
  const aSize = t.tm * t.tk;
  const bSize = t.tn * t.tk;
  const putA = (v: string) => put('As', `${base(sa * t.tk)}kk * ${sa}u + r`, v);
  const putB = (v: string) => put('Bs', `${base(sb * t.tk)}kk * ${sb}u + c`, v);
  // The tiles' loads: straight into workgroup memory, or (prefetch) into registers one tile ahead,
  // so that the next tile's global reads are in flight while this one is multiplied.
  const perThread = (size: number) => Math.ceil(size / threads);
  const each = (size: number, body: (j: number) => string) =>
    Array.from({ length: perThread(size) }, (_, j) => `{ let i = li + ${j * threads}u; ${size % threads ? `if (i < ${size}u) ` : ''}{ ${body(j)} } }`).join(
      '\n    ',
    );
  const fetch = (k0: string) =>
    [each(aSize, (j) => `${aTile} pa${j} = loadA(m0 + r, ${k0} + kk, kEnd);`), each(bSize, (j) => `${bTile} pb${j} = loadB(${k0} + kk, n0 + c, kEnd);`)].join(
      '\n    ',
    );
  const stash = [each(aSize, (j) => `${aTile} ${putA(`pa${j}`)}`), each(bSize, (j) => `${bTile} ${putB(`pb${j}`)}`)].join('\n    ');
  const loadTiles = t.prefetch
    ? `${stash}
    workgroupBarrier();
    if (k0 + ${t.tk}u < kEnd) {
    ${fetch(`(k0 + ${t.tk}u)`)}
    }`
    : `for (var i = li; i < ${aSize}u; i = i + ${threads}u) {
      ${aTile}
      ${putA('loadA(m0 + r, k0 + kk, kEnd)')}
    }
    for (var i = li; i < ${bSize}u; i = i + ${threads}u) {
      ${bTile}
      ${putB('loadB(k0 + kk, n0 + c, kEnd)')}
    }
    workgroupBarrier();`;
  const registers = t.prefetch
    ? [
        ...Array.from({ length: perThread(aSize) }, (_, j) => `var pa${j} = 0.0;`),
        ...Array.from({ length: perThread(bSize) }, (_, j) => `var pb${j} = 0.0;`),
        fetch('kBegin'),
      ].join('\n  ')
    : '';
  // Bounds are checked only along dimensions that the tiles do not divide.
  const joined = (conditions: (string | false)[], op: string) => conditions.filter((x): x is string => x !== false).join(op);
  const guard = (conditions: (string | false)[], then: string) => {
    const c = joined(conditions, ' && ');
    return c ? `if (${c}) { ${then} }` : then;
  };
  const [rowsRagged, colsRagged, kRagged] = [s.m % t.tm !== 0, s.n % t.tn !== 0, s.k % t.tk !== 0];
  const inC = (i: number, j: number) => [rowsRagged && `r${i} < ${s.m}u`, colsRagged && `c${j} < ${s.n}u`];
  const finish = split
    ? (i: number, j: number) => guard(inC(i, j), `part[(wg.z * ${s.m}u + r${i}) * ${s.n}u + c${j}] = acc${i}_${j};`)
    : (i: number, j: number) => guard(inC(i, j), `store(${s.rowMap ? `outRow(r${i})` : `r${i}`}, c${j}, acc${i}_${j});`);
  const zeroOutside = (index: string, ragged: boolean, size: number) => {
    const c = joined([ragged && `${index} >= ${size}u`, kRagged && 'kk >= kEnd'], ' || ');
    return c ? `if (${c}) { return 0.0; }` : '';
  };
  const multiply = `${fragments.join('\n      ')}
      ${unroll(t.rm, t.rn, (i, j) => `acc${i}_${j} = fma(${aAt(i)}, ${bAt(j)}, acc${i}_${j});`)}`;
  const tileType = (size: number) => (vec ? `array<vec4<f32>, ${(tileBuffers(t) * size) / 4}>` : `array<f32, ${tileBuffers(t) * size}>`);
  const code = /* wgsl */ `
${declareAll(bindings)}
var<workgroup> As: ${tileType(sa * t.tk)};
var<workgroup> Bs: ${tileType(sb * t.tk)};

fn loadA(row: u32, kk: u32, kEnd: u32) -> f32 {
  ${zeroOutside('row', rowsRagged, s.m)}
  ${s.onesRow ? `if (row == ${storedRows}u) { return 1.0; }` : ''}
  ${s.aLoad ?? `return a[${s.aOffset}u + ${aIndex}];`}
}

fn loadB(kk: u32, col: u32, kEnd: u32) -> f32 {
  ${zeroOutside('col', colsRagged, s.n)}
  ${s.bLoad ?? `return b[${s.bOffset}u + ${bIndex}];`}
}
${
  split
    ? ''
    : `${epi.code}
${rowMapCode(s)}`
}

@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let tx = li % ${tx}u;
  let ty = li / ${tx}u;
  let m0 = wg.y * ${t.tm}u;
  let n0 = wg.x * ${t.tn}u;
  let kBegin = wg.z * ${ks}u;
  let kEnd = min(${s.k}u, kBegin + ${ks}u);
  ${unroll(t.rm, t.rn, (i, j) => `var acc${i}_${j} = 0.0;`)}
  ${registers}
  ${double ? 'var buf = 0u;' : ''}
  for (var k0 = kBegin; k0 < kEnd; k0 = k0 + ${t.tk}u) {
    ${loadTiles}
    for (var kk = 0u; kk < ${t.tk}u; kk = kk + 1u) {
      ${multiply}
    }
    ${double ? 'buf = 1u - buf;' : 'workgroupBarrier();'}
  }
  ${Array.from({ length: t.rm }, (_, i) => `let r${i} = m0 + ${rowOf(i)};`).join('\n  ')}
  ${Array.from({ length: t.rn }, (_, j) => `let c${j} = n0 + ${colOf(j)};`).join('\n  ')}
  ${unroll(t.rm, t.rn, finish)}
}`;
  const main: KernelSource = {
    label: s.label,
    code,
    bindings,
    workgroups: [Math.ceil(s.n / t.tn), Math.ceil(s.m / t.tm), splits],
  };
  if (Math.max(...main.workgroups) > maxWorkgroupsPerDim)
    throw new Error(`GEMM '${s.label}': grid ${main.workgroups} passes the device's ${maxWorkgroupsPerDim} workgroups per dimension`);
  if (!split) return { main, reduce: null, partFloats: 0 };
  return { main, reduce: reduceKernel(s, splits, maxThreads), partFloats: splits * s.m * s.n };
}

/** WGSL `fn outRow` when the GEMM maps its rows. */
function rowMapCode(s: GemmSpec): string {
  return s.rowMap
    ? `fn outRow(r: u32) -> u32 {
  ${s.rowMap}
}`
    : '';
}

/** Sums the split-K partial products in split order (deterministic), then runs the epilogue. */
function reduceKernel(s: GemmSpec, splits: number, maxThreads: number): KernelSource {
  const epi = epilogueCode(s.epilogue, s.n, s.ldc, s.cOffset);
  const bindings: KernelBinding[] = [{ role: 'part', kind: 'read' }, ...epi.bindings];
  const total = s.m * s.n;
  const flat = flatKernel(
    total,
    `var v = 0.0;
  for (var z = 0u; z < ${splits}u; z = z + 1u) { v = v + part[z * ${total}u + i]; }
  store(${s.rowMap ? `outRow(i / ${s.n}u)` : `i / ${s.n}u`}, i % ${s.n}u, v);`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings)}
${epi.code}
${rowMapCode(s)}
${flat.code}`;
  return { label: `${s.label} (split-K sum)`, code, bindings, workgroups: flat.workgroups };
}
