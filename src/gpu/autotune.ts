import { encodeDispatches, type BufferBinding, type Dispatch, type GpuContext } from './device';
import { checkTiling, sameTiling, withVariants, type GemmTiling } from './kernels/gemm-tiling';
import type { BufferName, Program, ProgramKernel } from './program';

/**
 * Autotuning of GEMM tilings on the device itself: each large GEMM of a step is timed with every
 * candidate tiling on scratch copies of its buffers (nothing the step holds changes), and the
 * fastest is kept by the GEMM's label. Times come from timestamp queries where the device has
 * them, else from the host around one submit of many repetitions.
 */

/** How much tuning to do. */
export interface TuneOptions {
  /** GEMMs below this many floating-point operations keep the default tiling (they take microseconds). */
  readonly minFlops: number;
  /** Repetitions per timing. */
  readonly reps: number;
  /** Wall-clock budget of one step's tuning; the best found so far is kept when it runs out. 0: apply what is remembered, time nothing. */
  readonly budgetMs: number;
}

export const DEFAULT_TUNE: TuneOptions = { minFlops: 2e8, reps: 8, budgetMs: 4000 };

/**
 * What tuning found: the winning tilings by label (where they beat the default), how many GEMMs
 * were tuned, how many of those came from an earlier tuning in the process, and how long it took.
 */
export interface TuneResult {
  readonly best: ReadonlyMap<string, GemmTiling>;
  readonly timed: number;
  readonly remembered: number;
  readonly ms: number;
  /** The device error that stopped the search (then every GEMM keeps its default tiling). */
  readonly failed?: string;
}

/** Told before timing starts: how many GEMMs are new to this device, and the time budget (a wait worth showing). */
export type TuneAnnouncer = (gemms: number, budgetMs: number) => void;

/** One GEMM to tune: its label, key (`gemmKey` of its default kernels), size, and how to build its kernels (main, and the split-K sum) for a tiling. */
export interface TunableGemm {
  readonly label: string;
  readonly key: string;
  readonly k: number;
  readonly flops: number;
  readonly defaultTiling: GemmTiling;
  readonly build: (t: GemmTiling) => { kernels: readonly ProgramKernel[]; partFloats: number };
}

/** Winners by device, then GEMM (`gemmKey`): a process tunes each GEMM once (fits after the first start at once). */
const tuned = new WeakMap<GPUDevice, Map<string, GemmTiling>>();

/** The winners known on a device, by GEMM key (to persist them). */
export function rememberedTilings(device: GPUDevice): ReadonlyMap<string, GemmTiling> {
  return tuned.get(device) ?? new Map();
}

/** Adds winners found earlier (a stored GPU profile's, checked against this device's limits) to what this device knows. */
export function rememberTilings(device: GPUDevice, tilings: Iterable<[string, GemmTiling]>): void {
  const known = tuned.get(device) ?? new Map<string, GemmTiling>();
  tuned.set(device, known);
  for (const [key, t] of tilings) known.set(key, t);
}

/** The WGSL of a GEMM's kernels, as its key hashes it. */
export function kernelsCode(kernels: readonly ProgramKernel[]): string {
  return kernels.map((k) => k.kernel.code).join('\n');
}

/**
 * A GEMM's key: a hash of its kernels' WGSL at the default tiling (the sizes, layouts and epilogue
 * are all in it), as 14 hex digits (cyrb53): short enough to store, distinct enough to trust.
 */
export function gemmKey(code: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/**
 * Tilings to try first: blocks of 32–256 with 64–256 threads, up to 8 × 16 values a thread, and tk 8
 * or 16, at the default's split-K and variants. On the H200 the wide MLP's 4096-row forward and
 * input-gradient GEMMs ran 3–7% faster in 128 × 128 tiles of 8 × 16 a thread than 8 × 8.
 */
export function candidateTilings(base: GemmTiling, k: number): GemmTiling[] {
  const edges: [number, number][] = [
    [32, 2],
    [32, 4],
    [64, 4],
    [64, 8],
    [128, 8],
    [128, 4],
    [128, 16],
    [256, 16],
  ];
  const out: GemmTiling[] = [];
  for (const [tm, rm] of edges) {
    for (const [tn, rn] of edges) {
      const threads = (tm / rm) * (tn / rn);
      // 256 × 256 would hold 256 accumulators a thread: past any register file.
      if (threads < 64 || threads > 256 || rm * rn > 128) continue;
      for (const tk of [16, 8]) out.push(withVariants({ tm, tn, rm, rn, tk, splitK: base.splitK }, base));
    }
  }
  return out.filter((t) => Math.ceil(k / t.splitK) >= t.tk);
}

/** Split-K variants of a tiling for a K: 1, 2, 4 … while each split keeps at least 64 of K. */
export function splitCandidates(t: GemmTiling, k: number): GemmTiling[] {
  const out: GemmTiling[] = [];
  for (let s = 1; s <= 64 && k / s >= 64; s *= 2) if (s !== t.splitK) out.push({ ...t, splitK: s });
  return out;
}

/**
 * The winner with its kernel variants toggled: prefetch, vec4 fragments where its register tile
 * allows, both, and (with prefetch) the second buffer.
 */
export function variantCandidates(t: GemmTiling): GemmTiling[] {
  const flip = (x: GemmTiling, key: 'prefetch' | 'vec4' | 'doubleBuffer'): GemmTiling => {
    const { [key]: on, ...rest } = x;
    return on ? rest : { ...rest, [key]: true };
  };
  const out: GemmTiling[] = [flip(t, 'prefetch')];
  if (t.rm % 4 === 0 && t.rn % 4 === 0) out.push(flip(t, 'vec4'), flip(flip(t, 'prefetch'), 'vec4'));
  if (t.prefetch) out.push(flip(t, 'doubleBuffer'));
  return out;
}

/**
 * Times each GEMM over the candidates and returns the best tiling per label (only where it beats
 * the default). `bind` gives a kernel's buffers by role, with a scratch 'part' of the size asked.
 */
export async function tuneGemms(
  ctx: GpuContext,
  gemms: readonly TunableGemm[],
  bind: (k: ProgramKernel, partFloats: number) => Record<string, BufferBinding>,
  stepOffsets: Uint32Array,
  options: TuneOptions = DEFAULT_TUNE,
  announce?: TuneAnnouncer,
): Promise<TuneResult> {
  const best = new Map<string, GemmTiling>();
  const started = performance.now();
  let timed = 0;
  let remembered = 0;
  const deadline = performance.now() + options.budgetMs;
  // Every candidate's pipelines compile at once (drivers compile in parallel), then each is timed.
  const prepared = (g: TunableGemm, tilings: readonly GemmTiling[]) =>
    Promise.all(
      tilings.map(async (t) => {
        try {
          checkTiling(t, ctx.limits);
          const built = g.build(t);
          return await Promise.all(built.kernels.map((k) => ctx.prepare(k.kernel, bind(k, built.partFloats))));
        } catch {
          return null; // a tiling this device or shape cannot take
        }
      }),
    );
  const cache = tuned.get(ctx.device) ?? new Map<string, GemmTiling>();
  tuned.set(ctx.device, cache);
  // The same GEMM (same WGSL at its default tiling) tuned before on this device reuses the result.
  const large = [...gemms].sort((a, b) => b.flops - a.flops).filter((g) => g.flops >= options.minFlops);
  const keys = large.map((g) => g.key);
  const fresh = keys.filter((k) => !cache.has(k)).length;
  // A budget of 0 applies what is remembered and times nothing.
  const searching = fresh > 0 && options.budgetMs > 0;
  if (searching) announce?.(fresh, options.budgetMs);
  const timer = searching ? new GemmTimer(ctx, options.reps) : null;
  // Every error of the search (out of memory for the scratch buffers, a candidate the driver
  // rejects) is caught here rather than reported as the device's: the defaults then stand.
  const device = ctx.device;
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const found: [string, GemmTiling][] = [];
  let error: GPUError | null = null;
  try {
    for (const [n, g] of large.entries()) {
      const known = cache.get(keys[n]);
      // Past the budget the rest keep their defaults (each search would still compile and warm its default).
      if (!known && (!timer || performance.now() > deadline)) continue;
      timed++;
      if (known) {
        remembered++;
        if (!sameTiling(known, g.defaultTiling)) best.set(g.label, known);
        continue;
      }
      const winner = await search(g, timer!);
      if (performance.now() <= deadline) found.push([keys[n], winner]); // a search cut short is not remembered
      if (winner !== g.defaultTiling) best.set(g.label, winner);
    }
  } finally {
    timer?.destroy();
    const validation = await device.popErrorScope();
    const outOfMemory = await device.popErrorScope();
    error = validation ?? outOfMemory;
  }
  const ms = performance.now() - started;
  if (error) return { best: new Map(), timed, remembered: 0, ms, failed: error.message };
  for (const [key, winner] of found) cache.set(key, winner);
  return { best, timed, remembered, ms };

  /** The fastest tiling of one GEMM: the grid, then split-K, then variants, each round around the winner so far. */
  async function search(g: TunableGemm, timer: GemmTimer): Promise<GemmTiling> {
    let winner = g.defaultTiling;
    let fastest = Infinity;
    const [defaults] = await prepared(g, [g.defaultTiling]);
    if (defaults) await timer.warm(defaults, stepOffsets);
    for (const round of [() => [winner, ...candidateTilings(winner, g.k)], () => splitCandidates(winner, g.k), () => variantCandidates(winner)]) {
      if (performance.now() > deadline) break;
      const tilings = round();
      const runs = await prepared(g, tilings);
      for (const [i, dispatches] of runs.entries()) {
        if (!dispatches || performance.now() > deadline) continue;
        const ms = await timer.time(dispatches, stepOffsets);
        // A challenger must win by 3%, so that timing noise does not swap equals.
        if (ms < fastest * 0.97) [winner, fastest] = [tilings[i], ms];
      }
    }
    // The clock may have risen during the search: the winner must beat the default again, timed in turns.
    if (winner === g.defaultTiling || !defaults) return winner;
    const [challenger] = await prepared(g, [winner]);
    const turns = { default: Infinity, winner: Infinity };
    for (let r = 0; r < 3 && challenger; r++) {
      turns.default = Math.min(turns.default, await timer.time(defaults, stepOffsets));
      turns.winner = Math.min(turns.winner, await timer.time(challenger, stepOffsets));
    }
    return turns.winner < turns.default * 0.97 ? winner : g.defaultTiling;
  }
}

/** A program builder that takes the tiling of each GEMM by label. */
export type ProgramBuilder = (pick: (m: number, n: number, k: number, label: string) => GemmTiling) => Program;

/**
 * Tunes the GEMMs of the program `build` makes, on scratch buffers as large as the real ones
 * (`bytesOf` a runtime buffer); the step record binds the real ring. Returns the winners by label.
 */
export async function tuneProgram(
  ctx: GpuContext,
  build: ProgramBuilder,
  fallback: (m: number, n: number, k: number) => GemmTiling,
  bytesOf: (name: BufferName) => number,
  step: { readonly binding: BufferBinding; readonly offsets: Uint32Array },
  options: TuneOptions,
  announce?: TuneAnnouncer,
): Promise<TuneResult> {
  const found: Omit<TunableGemm, 'key'>[] = [];
  const ours = (label: string) => (name: string) => name === label || name === `${label} (split-K sum)`;
  const program = build((m, n, k, label) => {
    const defaultTiling = fallback(m, n, k);
    const only = (t: GemmTiling) => build((m2, n2, k2, l) => (l === label ? t : fallback(m2, n2, k2)));
    found.push({
      label,
      k,
      flops: 2 * m * n * k,
      defaultTiling,
      build: (t) => ((p) => ({ kernels: p.kernels.filter((x) => ours(label)(x.kernel.label)), partFloats: p.partFloats }))(only(t)),
    });
    return defaultTiling;
  });
  // Each GEMM's key from its kernels in the default program (one build for all of them).
  const gemms: TunableGemm[] = found.map((g) => ({ ...g, key: gemmKey(kernelsCode(program.kernels.filter((x) => ours(g.label)(x.kernel.label)))) }));
  // Candidates are bound before any is timed, so a buffer outgrown by a later candidate stays alive until the end.
  const scratch = new Map<string, GPUBuffer>();
  const made: GPUBuffer[] = [];
  const sized = (name: string, bytes: number) => {
    const have = scratch.get(name);
    if (have && have.size >= bytes) return have;
    const b = ctx.createBuffer(`tuning scratch (${name})`, bytes, GPUBufferUsage.STORAGE);
    scratch.set(name, b);
    made.push(b);
    return b;
  };
  const bind = (k: ProgramKernel, partFloats: number): Record<string, BufferBinding> =>
    Object.fromEntries(
      Object.entries(k.roles).map(([role, name]) => [
        role,
        name === 'step' ? step.binding : name === 'part' ? sized(name, partFloats * 4) : sized(name, bytesOf(name)),
      ]),
    );
  try {
    return await tuneGemms(ctx, gemms, bind, step.offsets, options, announce);
  } finally {
    for (const b of made) b.destroy();
  }
}

/** Times dispatches run back to back `reps` times: GPU timestamps where the device has them, else host time. */
class GemmTimer {
  private readonly query: { set: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | null;

  constructor(
    private readonly ctx: GpuContext,
    private readonly reps: number,
  ) {
    const d = ctx.device;
    this.query = d.features.has('timestamp-query')
      ? {
          set: d.createQuerySet({ type: 'timestamp', count: 2 }),
          resolve: d.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
          read: d.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
        }
      : null;
  }

  /** Runs dispatches for about `ms` of GPU time, so that the clock has risen before anything is timed. */
  async warm(dispatches: readonly Dispatch[], offsets: Uint32Array, ms = 200): Promise<void> {
    const once = await this.time(dispatches, offsets);
    const encoder = this.ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let r = 0; r < Math.min(10000, Math.ceil(ms / Math.max(once, 1e-3))); r++) encodeDispatches(pass, dispatches, offsets, 0);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
    await this.ctx.device.queue.onSubmittedWorkDone();
  }

  /** Milliseconds per repetition (after one untimed run). */
  async time(dispatches: readonly Dispatch[], offsets: Uint32Array): Promise<number> {
    const d = this.ctx.device;
    const run = (timed: boolean) => {
      const encoder = d.createCommandEncoder();
      const q = timed ? this.query : null;
      const pass = encoder.beginComputePass(q ? { timestampWrites: { querySet: q.set, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : undefined);
      for (let r = 0; r < (timed ? this.reps : 1); r++) encodeDispatches(pass, dispatches, offsets, 0);
      pass.end();
      if (q) {
        encoder.resolveQuerySet(q.set, 0, 2, q.resolve, 0);
        encoder.copyBufferToBuffer(q.resolve, 0, q.read, 0, 16);
      }
      d.queue.submit([encoder.finish()]);
    };
    run(false);
    await d.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    run(true);
    await d.queue.onSubmittedWorkDone();
    const hostMs = performance.now() - t0;
    if (!this.query) return hostMs / this.reps;
    await this.query.read.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(this.query.read.getMappedRange().slice(0));
    this.query.read.unmap();
    return Number(end - begin) / 1e6 / this.reps;
  }

  destroy(): void {
    if (!this.query) return;
    this.query.set.destroy();
    this.query.resolve.destroy();
    this.query.read.destroy();
  }
}
