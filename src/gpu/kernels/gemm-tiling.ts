import type { KernelLimits } from '../device';

/**
 * A GEMM's blocking: each workgroup computes a tm × tn tile of C, walking K in steps of tk through
 * workgroup memory; each thread holds an rm × rn register tile. splitK > 1 cuts K into that many
 * ranges whose partial products a second pass sums (for skinny outputs with long K, such as the
 * weight gradient of a 10-wide layer, where tm × tn tiles alone would leave most of the GPU idle).
 */
export interface GemmTiling {
  readonly tm: number;
  readonly tn: number;
  readonly tk: number;
  readonly rm: number;
  readonly rn: number;
  readonly splitK: number;
  /** Load the next K tile into registers while this one is multiplied (double buffering through registers). */
  readonly prefetch?: boolean;
  /**
   * A thread's rows and columns come in groups of four, read from workgroup memory as vec4s (a
   * quarter of the reads; rm and rn multiples of 4).
   */
  readonly vec4?: boolean;
  /** With prefetch: two workgroup tiles used in turn, one barrier per K tile instead of two (twice the workgroup memory). */
  readonly doubleBuffer?: boolean;
}

/**
 * Consecutive K a warp's neighbouring threads load together from a matrix stored with K contiguous
 * (8 floats: one 32-byte sector): the largest of 8, 4, 2, 1 that divides tk.
 */
export function kGroup(tk: number): number {
  return [8, 4, 2, 1].find((g) => tk % g === 0)!;
}

/**
 * Floats of padding after each K-row of a workgroup tile. A load that takes kGroup consecutive K of
 * 32 / kGroup rows writes rows kk · (edge + pad) + r apart; with pad = 32 / kGroup they fall in 32
 * different banks (an unpadded 64- or 128-float row would put a warp's writes in a few banks).
 */
export function tilePad(t: GemmTiling): number {
  const g = kGroup(t.tk);
  return g > 1 ? 32 / g : 0;
}

/** Copies of each workgroup tile a tiling keeps: two with prefetch into a second buffer, else one. */
export function tileBuffers(t: GemmTiling): 1 | 2 {
  return t.prefetch && t.doubleBuffer ? 2 : 1;
}

/** Bytes of workgroup memory a tiling's tiles take. */
export function tileBytes(t: GemmTiling): number {
  return tileBuffers(t) * (t.tm + t.tn + 2 * tilePad(t)) * t.tk * 4;
}

/** The kernel variants a tiling can take. */
export type GemmVariants = Pick<GemmTiling, 'vec4' | 'prefetch' | 'doubleBuffer'>;

/** A tiling with kernel variants: vec4 only where its register tile allows, a second buffer only with prefetch. */
export function withVariants(t: Omit<GemmTiling, keyof GemmVariants>, v: GemmVariants): GemmTiling {
  const vec4 = v.vec4 === true && t.rm % 4 === 0 && t.rn % 4 === 0;
  return { ...t, ...(vec4 ? { vec4 } : {}), ...(v.prefetch ? { prefetch: true } : {}), ...(v.prefetch && v.doubleBuffer ? { doubleBuffer: true } : {}) };
}

/** Whether two tilings are the same (sizes and variants; field order aside). */
export function sameTiling(a: GemmTiling, b: GemmTiling): boolean {
  const sizes = (['tm', 'tn', 'tk', 'rm', 'rn', 'splitK'] as const).every((f) => a[f] === b[f]);
  return sizes && (['prefetch', 'vec4', 'doubleBuffer'] as const).every((f) => (a[f] ?? false) === (b[f] ?? false));
}

/** Threads per workgroup of a tiling. */
export function tilingThreads(t: GemmTiling): number {
  return (t.tm / t.rm) * (t.tn / t.rn);
}

/** Throws saying what is wrong when a tiling does not divide evenly or does not fit the limits. */
export function checkTiling(t: GemmTiling, limits: KernelLimits): void {
  const what = `GEMM tiling ${JSON.stringify(t)}`;
  if (![t.tm, t.tn, t.tk, t.rm, t.rn, t.splitK].every((x) => Number.isInteger(x) && x >= 1)) throw new Error(`${what}: sizes must be positive integers`);
  if (t.tm % t.rm !== 0 || t.tn % t.rn !== 0) throw new Error(`${what}: rm must divide tm and rn must divide tn`);
  if (t.vec4 && (t.rm % 4 !== 0 || t.rn % 4 !== 0)) throw new Error(`${what}: vec4 fragments need rm and rn to be multiples of 4`);
  const threads = tilingThreads(t);
  if (threads > limits.maxInvocations) throw new Error(`${what}: ${threads} threads, the device allows ${limits.maxInvocations}`);
  const bytes = tileBytes(t);
  if (bytes > limits.maxWorkgroupStorage) throw new Error(`${what}: ${bytes} bytes of workgroup memory, the device allows ${limits.maxWorkgroupStorage}`);
}

/**
 * How `chooseTiling` fills the GPU (the workgroups it aims for, and the least K a split keeps), and
 * which kernel variants it takes where they fit.
 */
export interface TilingPolicy {
  readonly targetWorkgroups: number;
  readonly minKPerSplit: number;
  /** Split K into enough splits for this many times targetWorkgroups (more waves even out the SMs' loads). */
  readonly splitWaves: number;
  /** The least K a split of 128 × 128 tiles keeps. */
  readonly bigMinKPerSplit: number;
  /** Register tiles of 4 (8 on 128 edges) a side read as vec4s, rather than 16 threads across N. */
  readonly vec4: boolean;
  readonly prefetch: boolean;
  /** With prefetch, where the device's workgroup memory holds two tiles. */
  readonly doubleBuffer: boolean;
  /** tk of 128-row tiles 64 or more wide. */
  readonly bigTk: number;
}

/**
 * One wave on a large GPU (an H100 has 132 SMs), splits no shorter than 128, vec4 fragments and
 * prefetch: on the H100 the two together ran the wide MLP's and the CNN's GEMMs 1.5–2× faster than
 * scalar tiles (vec4 alone was slower on three of four cases); a second buffer was slower there
 * (the tuner may pick it). 128 × 128 tiles take K 8 at a time: 5–15% faster there than 16 (fewer registers held
 * for the prefetch). Long K splits for eight waves, splits of big tiles keeping 512 of K: the
 * weight gradients ran 17–57% faster than split for two waves (conv1's 195 → 84 µs at batch 1024),
 * since a grid of one or two waves leaves SMs idle at its tail.
 */
export const DEFAULT_TILING_POLICY: TilingPolicy = {
  targetWorkgroups: 132,
  minKPerSplit: 128,
  splitWaves: 8,
  bigMinKPerSplit: 512,
  vec4: true,
  prefetch: true,
  doubleBuffer: false,
  bigTk: 8,
};

/**
 * The policy for a GPU that runs `workgroups` large workgroups at once (its multiprocessors or
 * compute units, as `probeWorkgroups` measures them): the default's choices, with its grids and K
 * splits sized to that GPU, so that a small one is not split for an H100's 132 (nor given an
 * H100's split-K scratch: splits scale with the workgroups, and the scratch with the splits).
 */
export function tilingPolicy(workgroups: number): TilingPolicy {
  return { ...DEFAULT_TILING_POLICY, targetWorkgroups: Math.max(1, Math.round(workgroups)) };
}

/** The tile edge for a dimension: the largest of 64, 32, 16 that the dimension mostly fills. */
function edge(size: number): number {
  return size >= 48 ? 64 : size >= 24 ? 32 : 16;
}

/**
 * A tiling for C[m × n] with inner dimension k, within the device limits. Large products get
 * 128-row tiles, 128 wide or as wide as the product (with K split, where it is long and the product
 * is wide, into enough splits for the policy's waves). Others start at 64 × 64 (smaller for small
 * dimensions); when that leaves fewer than half the policy's target of tiles and K is long, K is
 * split first (into enough splits for the policy's waves, none shorter than the policy's minimum),
 * since small tiles do few FMAs per load: a convolution's weight gradient, K = batch × pixels, ran
 * 15× faster split than in 16 × 16 tiles. Tiles then shrink (the larger edge first, down to 16)
 * while the grid is still below the target.
 * Threads: 16 across N, as many rows of threads as the workgroup allows (up to 16); or, with the
 * policy's vec4, register tiles of 4 a side (8 on 128 edges, 2 on 16) and as many threads as that
 * takes.
 * tk is 16 (the policy's bigTk for 128-row tiles 64 or more wide), halved while the tiles do not
 * fit the device's workgroup memory (two buffers are dropped before tk goes below 8). The runtime's
 * autotuner times alternatives on the device.
 */
export function chooseTiling(m: number, n: number, k: number, limits: KernelLimits, policy: TilingPolicy = DEFAULT_TILING_POLICY): GemmTiling {
  const variants = (t: Omit<GemmTiling, 'tk' | keyof GemmVariants>, maxTk = 16): GemmTiling | null => {
    const tried = [true, false].flatMap((double) =>
      [16, 8, 4]
        .filter((tk) => tk <= maxTk)
        .map((tk) => withVariants({ ...t, tk }, { vec4: policy.vec4, prefetch: policy.prefetch, doubleBuffer: policy.doubleBuffer && double })),
    );
    const fits = (x: GemmTiling) => tileBytes(x) <= limits.maxWorkgroupStorage && tilingThreads(x) <= limits.maxInvocations;
    return tried.find((x) => fits(x) && (x.tk >= 8 || !x.doubleBuffer)) ?? null;
  };
  // Large products: 128-row tiles of 8 rows per thread, where the tiles fill the GPU (splitting K
  // where it is long and both edges are filled). 128 wide (8 × 8 per thread, 256 threads) where the
  // product is, else as wide as its columns (64 or 32, 8 threads across): a convolution's 32-wide
  // input gradient ran 556 → 388 µs in 128 × 32 tiles rather than 128 × 128, a 64-wide forward
  // 300 → 262 µs in 128 × 64. The wide MLP's first weight gradient ([785 × 1024], K 4096: 56 tiles)
  // ran at 18 TFLOP/s in 208 unsplit 64 × 64 tiles, at 25 split eight ways in 128 × 128.
  const bn = n >= 96 ? 128 : edge(n);
  const bigTiles = Math.ceil(m / 128) * Math.ceil(n / bn);
  // Split-K's scratch (splits × m × n floats) must bind as one storage buffer.
  const maxSplits = Math.max(1, Math.floor(limits.maxStorageBindingSize / (4 * m * n)));
  const bigSplit = Math.min(Math.ceil((policy.splitWaves * policy.targetWorkgroups) / bigTiles), Math.floor(k / policy.bigMinKPerSplit), maxSplits);
  const splitBig = m >= 128 && bn === 128 && bigSplit > 1 && bigTiles * bigSplit >= policy.targetWorkgroups;
  if (bn >= 32 && (bigTiles >= policy.targetWorkgroups || splitBig)) {
    // bigTk where the tiles are 64 or more wide: 32-wide ones ran 11% slower at tk 8 than 16, the
    // 1024-wide dense GEMMs 5–15% faster.
    const big = variants(
      { tm: 128, tn: bn, rm: 8, rn: bn === 128 ? 8 : bn / 8, splitK: bigTiles >= policy.targetWorkgroups ? 1 : bigSplit },
      bn >= 64 ? policy.bigTk : 16,
    );
    if (big && big.tk >= 8) return big;
  }
  let tm = edge(m);
  let tn = edge(n);
  const tiles = () => Math.ceil(m / tm) * Math.ceil(n / tn);
  const splitK =
    tiles() < policy.targetWorkgroups / 2
      ? Math.max(1, Math.min(Math.ceil((policy.splitWaves * policy.targetWorkgroups) / tiles()), Math.floor(k / policy.minKPerSplit), maxSplits))
      : 1;
  while (tiles() * splitK < policy.targetWorkgroups && (tm > 16 || tn > 16)) {
    if (tm >= tn && tm > 16) tm /= 2;
    else tn /= 2;
  }
  let rm: number;
  let rn: number;
  if (policy.vec4) {
    const regs = (e: number) => (e >= 128 ? 8 : e >= 32 ? 4 : 2);
    [rm, rn] = [regs(tm), regs(tn)];
    while ((tm / rm) * (tn / rn) > limits.maxInvocations) rm *= 2;
  } else {
    const tx = 16;
    rn = tn / tx;
    let ty = Math.min(16, Math.floor(limits.maxInvocations / tx), tm);
    while (tm % ty !== 0) ty--;
    rm = tm / ty;
  }
  const t = variants({ tm, tn, rm, rn, splitK });
  if (!t) throw new Error(`no GEMM tiling of ${tm} × ${tn} fits the device's ${limits.maxWorkgroupStorage} bytes of workgroup memory`);
  return t;
}
