import type { GpuContext } from './device';
import type { KernelSource } from './kernels/common';

/** Threads of the probe's workgroups: register-heavy workgroups this large fit one to a multiprocessor. */
const PROBE_THREADS = 1024;
/** The most workgroups the probe tries: past this, a GPU is as large as the policy needs to know. */
const MAX_WORKGROUPS = 4096;

/**
 * A kernel of fixed work per workgroup: each thread runs 32 independent FMA chains (so it holds
 * over 32 registers, and a workgroup of 1,024 threads fills a multiprocessor's register file) and
 * writes their sum, so that nothing is optimized away.
 */
function probeKernel(threads: number): KernelSource {
  const chains = Array.from({ length: 32 }, (_, i) => i);
  const code = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(${threads})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let x = f32(li) * 1e-7 + 0.999;
  let y = f32(gid.x & 7u) * 1e-7;
  ${chains.map((i) => `var a${i} = f32(${i}) + y;`).join('\n  ')}
  for (var k = 0u; k < 512u; k = k + 1u) {
    ${chains.map((i) => `a${i} = fma(a${i}, x, y);`).join('\n    ')}
  }
  out[li] = ${chains.map((i) => `a${i}`).join(' + ')};
}`;
  return { label: 'workgroup probe', code, bindings: [{ role: 'out', kind: 'rw' }], workgroups: [1, 1, 1] };
}

/**
 * How many large workgroups the GPU runs at once, in units of 1,024 threads (about its
 * multiprocessors or compute units: 132 on an H100 or H200): the tiling policy sizes its grids
 * and K splits by it. Measured by timing a kernel of fixed work per workgroup over growing grids:
 * the time stays flat while every workgroup has a multiprocessor of its own and steps up past
 * that. Takes tens of milliseconds; the result is worth keeping per adapter (`GpuProfile`).
 */
export async function probeWorkgroups(ctx: GpuContext): Promise<number> {
  const threads = Math.min(PROBE_THREADS, 2 ** Math.floor(Math.log2(ctx.limits.maxInvocations)));
  const out = ctx.createBuffer('workgroup probe', threads * 4, GPUBufferUsage.STORAGE);
  try {
    const dispatch = await ctx.prepare(probeKernel(threads), { out });
    const device = ctx.device;
    /** Milliseconds one grid of `n` workgroups takes: the best of three submits of `reps` grids each (a barrier between grids: all write `out`). */
    const time = async (n: number, reps = 8): Promise<number> => {
      let best = Infinity;
      for (let trial = 0; trial < 3; trial++) {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(dispatch.pipeline);
        pass.setBindGroup(0, dispatch.bindGroup);
        for (let r = 0; r < reps; r++) pass.dispatchWorkgroups(n);
        pass.end();
        const t0 = performance.now();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        best = Math.min(best, (performance.now() - t0) / reps);
      }
      return best;
    };
    // A first load (50 ms) raises the clock from idle, so that it holds while the grids are compared.
    for (const t0 = performance.now(); performance.now() - t0 < 50; ) await time(256, 4);
    const one = await time(1);
    const at = await largestFlat(async (n) => (await time(n)) < 1.5 * one, MAX_WORKGROUPS);
    return Math.max(1, Math.round((at * threads) / PROBE_THREADS));
  } finally {
    out.destroy();
  }
}

/**
 * The largest grid, up to `max`, that `flat` says takes no longer than one workgroup: doubling
 * until it does not, then halving the gap (about 2 log2 of the answer questions).
 */
export async function largestFlat(flat: (workgroups: number) => Promise<boolean>, max: number): Promise<number> {
  let low = 1;
  let high = 2;
  while (high <= max && (await flat(high))) [low, high] = [high, high * 2];
  if (high > max) return max;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (await flat(mid)) low = mid;
    else high = mid;
  }
  return low;
}
