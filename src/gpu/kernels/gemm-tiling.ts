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
  /** A thread's rm rows are contiguous and read from workgroup memory as vec4s (rm a multiple of 4). */
  readonly vecRows?: boolean;
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
  if (t.vecRows && t.rm % 4 !== 0) throw new Error(`${what}: vec4 rows need rm to be a multiple of 4`);
  const threads = tilingThreads(t);
  if (threads > limits.maxInvocations) throw new Error(`${what}: ${threads} threads, the device allows ${limits.maxInvocations}`);
  const bytes = (t.tm + t.tn) * t.tk * 4;
  if (bytes > limits.maxWorkgroupStorage) throw new Error(`${what}: ${bytes} bytes of workgroup memory, the device allows ${limits.maxWorkgroupStorage}`);
}

/** How `chooseTiling` fills the GPU: the workgroups it aims for, and the least K a split keeps. */
export interface TilingPolicy {
  readonly targetWorkgroups: number;
  readonly minKPerSplit: number;
}

/** One wave on a large GPU (an H100 has 132 SMs), and splits no shorter than 128. */
export const DEFAULT_TILING_POLICY: TilingPolicy = { targetWorkgroups: 132, minKPerSplit: 128 };

/** The tile edge for a dimension: the largest of 64, 32, 16 that the dimension mostly fills. */
function edge(size: number): number {
  return size >= 48 ? 64 : size >= 24 ? 32 : 16;
}

/**
 * A tiling for C[m × n] with inner dimension k, within the device limits. Large products get
 * 128 × 128 tiles. Others start at 64 × 64 (smaller for small dimensions); when that leaves fewer
 * than half the policy's target of tiles and K is long, K is split first (into enough splits for
 * two waves, none shorter than the policy's minimum), since small tiles do few FMAs per load: a
 * convolution's weight gradient, K = batch × pixels, ran 15× faster split than in 16 × 16 tiles.
 * Tiles then shrink (the larger edge first, down to 16) while the grid is still below the target.
 * Threads: 16 across N, as many rows of threads as the workgroup allows (up to 16).
 * The runtime's autotuner times alternatives on the device.
 */
export function chooseTiling(m: number, n: number, k: number, limits: KernelLimits, policy: TilingPolicy = DEFAULT_TILING_POLICY): GemmTiling {
  // Large products: 128 × 128 tiles of 8 × 8 per thread (256 threads) halve the loads per FMA,
  // where the tiles still fill the GPU and the device allows the threads and 16 KiB.
  const big: GemmTiling = { tm: 128, tn: 128, tk: 16, rm: 8, rn: 8, splitK: 1 };
  const bigFits = tilingThreads(big) <= limits.maxInvocations && (big.tm + big.tn) * big.tk * 4 <= limits.maxWorkgroupStorage;
  if (bigFits && Math.ceil(m / 128) * Math.ceil(n / 128) >= policy.targetWorkgroups) return big;
  let tm = edge(m);
  let tn = edge(n);
  const tiles = () => Math.ceil(m / tm) * Math.ceil(n / tn);
  const splitK = tiles() < policy.targetWorkgroups / 2 ? Math.max(1, Math.min(Math.ceil((2 * policy.targetWorkgroups) / tiles()), Math.floor(k / policy.minKPerSplit))) : 1;
  while (tiles() * splitK < policy.targetWorkgroups && (tm > 16 || tn > 16)) {
    if (tm >= tn && tm > 16) tm /= 2;
    else tn /= 2;
  }
  const tx = 16;
  const rn = tn / tx;
  let ty = Math.min(16, Math.floor(limits.maxInvocations / tx), tm);
  while (tm % ty !== 0) ty--;
  const rm = tm / ty;
  let tk = 16;
  while (tk > 4 && (tm + tn) * tk * 4 > limits.maxWorkgroupStorage) tk /= 2;
  return { tm, tn, tk, rm, rn, splitK };
}
