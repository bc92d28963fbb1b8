// The compiled WebGPU step (src/gpu) end to end: batch gathered from the resident dataset, forward,
// loss with statistics, backward, Adam; 8 steps to a submit as the learner records them (--per-submit), the
// statistics read back every 8 steps. Reports ms/step after a warm-up, dispatches per step, and
// per-kernel GPU time (timestamp queries where the device has them, else host timing of repeated
// single-kernel submits, which includes a submit's overhead). Node only:
//   npx tsx bench/compiled.ts [--steps N] [--warmup N] [--per-submit K] [--reps N] [--cases a,b] [--json FILE]
//     [--autotune on|off] [--tune-budget MS] [--variant none|vec4,prefetch,double]
//     [--disable-robustness] [--split-waves N] [--big-min-k K] [--probe]
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeDispatches, GpuContext, type Dispatch, type KernelLimits } from '../src/gpu/device';
import { probeWorkgroups } from '../src/gpu/probe';
import { DEFAULT_TUNE } from '../src/gpu/autotune';
import { chooseTiling, DEFAULT_TILING_POLICY } from '../src/gpu/kernels/gemm-tiling';
import { planModel } from '../src/gpu/plan';
import { readModelState, readModelWeights } from '../src/gpu/weights';
import { CompiledTrainer } from '../src/gpu/runtime';
import { createModel } from '../src/train/model/build';
import { parseOptimizerConfig } from '../src/train/optim/config';
import type { ModelConfig } from '../src/train/model/config';
import { smallResNet } from './resnet';

const mlp = (hidden: number[]): ModelConfig => ({ type: 'mlp', hidden, activation: 'relu', dropout: 0 });
const cnn: ModelConfig = { type: 'cnn', filters: [32, 64], dense: 128 };
const resnet = 'small-resnet';
const CASES: readonly { id: string; name: string; model: ModelConfig | typeof resnet; shape: number[]; batch: number }[] = [
  { id: 'mlp-64', name: 'MLP 784-128-10', model: mlp([128]), shape: [28, 28], batch: 64 },
  { id: 'mlp-1024', name: 'MLP 784-128-10', model: mlp([128]), shape: [28, 28], batch: 1024 },
  { id: 'wide-512', name: 'MLP 784-1024-1024-10', model: mlp([1024, 1024]), shape: [28, 28], batch: 512 },
  { id: 'wide-4096', name: 'MLP 784-1024-1024-10', model: mlp([1024, 1024]), shape: [28, 28], batch: 4096 },
  { id: 'cnn-256', name: 'CNN c32-p-c64-p-d128-d10', model: cnn, shape: [28, 28, 1], batch: 256 },
  { id: 'cnn-1024', name: 'CNN c32-p-c64-p-d128-d10', model: cnn, shape: [28, 28, 1], batch: 1024 },
  { id: 'resnet-128', name: 'ResNet 16-32-64 (32×32×3)', model: resnet, shape: [32, 32, 3], batch: 128 },
  { id: 'resnet-512', name: 'ResNet 16-32-64 (32×32×3)', model: resnet, shape: [32, 32, 3], batch: 512 },
];

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '30' },
    'per-submit': { type: 'string', default: '8' },
    reps: { type: 'string', default: '50' },
    /** Tune GEMM tilings on the device first, as the learner does with --autotune ('off', the learner's default: the tiling policy's). */
    autotune: { type: 'string', default: 'off' },
    /** The autotuner's budget per step, ms. */
    'tune-budget': { type: 'string', default: String(DEFAULT_TUNE.budgetMs) },
    /** The tiling policy's kernel variants: none, or a list of vec4, prefetch, double (prefetch into two buffers), tk16 (K tiles of 16 for 128 × 128). */
    variant: { type: 'string' },
    cases: { type: 'string', default: CASES.map((c) => c.id).join(',') },
    'disable-robustness': { type: 'boolean', default: false },
    /** Print how many workgroups the GPU runs at once, as the tiling policy measures it (probeWorkgroups). */
    probe: { type: 'boolean', default: false },
    /** Tiling policy: split K for this many waves (default the library's), and the least K a split of big tiles keeps. */
    'split-waves': { type: 'string' },
    'big-min-k': { type: 'string' },
    json: { type: 'string' },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const perSubmit = Number(values['per-submit']);
const repsWanted = Number(values.reps);
const picked = values.cases.split(',').map((id) => {
  const c = CASES.find((k) => k.id === id);
  if (!c) throw new Error(`--cases: unknown case '${id}' (known: ${CASES.map((k) => k.id).join(', ')})`);
  return c;
});

/** The GPU instances, alive while the device is (Dawn aborts the process when one is collected). */
const keepAlive: unknown[] = [];

/** A device through Vulkan when there is one, else OpenGL ES (compatibility mode), at the adapter's limits. */
async function openDevice(): Promise<{ device: GPUDevice; adapter: string; timestamps: boolean }> {
  const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
  Object.assign(globalThis, globals);
  // Dawn quantizes timestamps unless told not to, which would hide kernels of a few microseconds.
  // --disable-robustness (a diagnostic: browsers keep it) drops the bounds clamps Dawn adds to every array access.
  const vulkan = create(['disable-dawn-features=timestamp_quantization', ...(values['disable-robustness'] ? ['enable-dawn-features=disable_robustness'] : [])]);
  keepAlive.push(vulkan);
  let adapter = await vulkan.requestAdapter({ powerPreference: 'high-performance' });
  let kind = 'Vulkan';
  if (!adapter) {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const gl = create(['backend=opengles']);
    keepAlive.push(gl);
    adapter = await gl.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    kind = 'OpenGL ES, compatibility mode';
  }
  if (!adapter) throw new Error('webgpu: no adapter through Vulkan or OpenGL ES');
  keepAlive.push(adapter);
  const timestamps = adapter.features.has('timestamp-query');
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: timestamps ? ['timestamp-query'] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    },
  });
  keepAlive.push(device);
  device.addEventListener('uncapturederror', (e) => console.error('WebGPU error:', (e as GPUUncapturedErrorEvent).error.message));
  const info = adapter.info;
  return { device, adapter: `${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'adapter'} (${kind})`, timestamps };
}

/** GPU microseconds per run of each dispatch, from timestamp queries around `reps` single-dispatch passes. */
async function kernelTimesGpu(device: GPUDevice, dispatches: readonly Dispatch[], offsets: Uint32Array): Promise<number[]> {
  // A query set holds at most 4096 timestamps: fewer repetitions for steps of many kernels.
  const reps = Math.max(1, Math.min(repsWanted, Math.floor(4096 / (2 * dispatches.length))));
  const count = dispatches.length * reps * 2;
  const querySet = device.createQuerySet({ type: 'timestamp', count });
  const resolve = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  dispatches.forEach((d, k) => {
    for (let r = 0; r < reps; r++) {
      const at = (k * reps + r) * 2;
      const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 } });
      encodeDispatches(pass, [d], offsets, 0);
      pass.end();
    }
  });
  encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
  encoder.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
  device.queue.submit([encoder.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const t = new BigUint64Array(read.getMappedRange().slice(0));
  read.unmap();
  [querySet, resolve, read].forEach((o) => o.destroy());
  return dispatches.map((_, k) => {
    let ns = 0;
    for (let r = 0; r < reps; r++) ns += Number(t[(k * reps + r) * 2 + 1] - t[(k * reps + r) * 2]);
    return ns / reps / 1000;
  });
}

/** Host microseconds per single-dispatch submit of each dispatch, waited on (includes submit overhead). */
async function kernelTimesHost(device: GPUDevice, dispatches: readonly Dispatch[], offsets: Uint32Array): Promise<number[]> {
  const reps = repsWanted;
  const out: number[] = [];
  for (const d of dispatches) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encodeDispatches(pass, [d], offsets, 0);
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    }
    out.push(((performance.now() - t0) / reps) * 1000);
  }
  return out;
}

/** Times one case: returns its row for the report. */
async function runCase(device: GPUDevice, timestamps: boolean, c: (typeof CASES)[number]) {
  const model = c.model === resnet ? smallResNet(1, c.shape) : createModel(c.model, { inputShape: c.shape, outputs: 10 }, 1);
  const planned = planModel(model, 'classification');
  if (!planned.ok) throw new Error(planned.reason);
  const features = planned.plan.inputSize;
  const epochSteps = Math.max(2, Math.min(16, Math.floor((64 * 2 ** 20) / (c.batch * (features + 1) * 4)))); // ≤ 64 MiB of data
  const items = c.batch * epochSteps;
  const x = Float32Array.from({ length: items * features }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = Int32Array.from({ length: items }, (_, i) => i % 10);
  // --variant picks the tiling policy's kernel variants (default: the library's policy).
  const flags = values.variant === undefined ? null : values.variant === 'none' ? [] : values.variant.split(',');
  const unknown = (flags ?? []).filter((f) => !['vec4', 'prefetch', 'double', 'tk16'].includes(f));
  if (unknown.length) throw new Error(`--variant: expected none or a list of vec4, prefetch, double, tk16 (got '${unknown.join(',')}')`);
  const base = {
    ...DEFAULT_TILING_POLICY,
    ...(values['split-waves'] ? { splitWaves: Number(values['split-waves']) } : {}),
    ...(values['big-min-k'] ? { bigMinKPerSplit: Number(values['big-min-k']) } : {}),
  };
  const policy = flags
    ? {
        ...base,
        vec4: flags.includes('vec4'),
        prefetch: flags.includes('prefetch'),
        doubleBuffer: flags.includes('double'),
        bigTk: flags.includes('tk16') ? 16 : 8,
      }
    : base;
  const tiling = (m: number, n: number, k: number, limits: KernelLimits) => chooseTiling(m, n, k, limits, policy);
  const autotune = values.autotune !== 'off' && { ...DEFAULT_TUNE, budgetMs: Number(values['tune-budget']) };
  const trainer = await CompiledTrainer.create(device, planned.plan, {
    batchSize: c.batch,
    optimizer: parseOptimizerConfig({ type: 'adam' }),
    autotune,
    tiling,
  });
  trainer.writeWeights(readModelWeights(model));
  trainer.writeState(readModelState(model));
  model.dispose();
  await trainer.uploadDataset('train', x, y);
  const program = await trainer.program('train', c.batch);
  const dispatches = [...program, ...trainer.optimizerDispatches];
  const reads: Promise<Float32Array>[] = [];
  let hostMs = 0;
  // Statistics of every 8 steps in one read, issued after the submit that holds the 8th.
  let unread = -1;
  const run = async (n: number) => {
    for (let s = 0; s < n; s += perSubmit) {
      const h0 = performance.now();
      const encoder = device.createCommandEncoder();
      let last = -1;
      for (let k = 0; k < Math.min(perSubmit, n - s); k++) last = trainer.encodeTrainStep(encoder, (s + k) % epochSteps, { lr: 1e-3 });
      device.queue.submit([encoder.finish()]);
      if (unread < 0) unread = last - Math.min(perSubmit, n - s) + 1;
      if (last - unread + 1 >= 8) {
        reads.push(trainer.readStats(unread, last - unread + 1));
        unread = -1;
      }
      hostMs += performance.now() - h0;
      if (reads.length > 16) await reads.shift();
    }
    await device.queue.onSubmittedWorkDone();
    await Promise.all(reads.splice(0));
  };
  // At least a second of steps first: the GPU idles at a low clock (and did during tuning) and ramps up under load.
  const warmStart = performance.now();
  do await run(warmup);
  while (performance.now() - warmStart < 1000);
  hostMs = 0;
  const t0 = performance.now();
  await run(steps);
  const msPerStep = (performance.now() - t0) / steps;
  const micros = await (timestamps ? kernelTimesGpu : kernelTimesHost)(device, dispatches, trainer.stepOffsets);
  trainer.destroy();
  return {
    case: c.name,
    batch: c.batch,
    msPerStep: +msPerStep.toFixed(4),
    hostMsPerStep: +(hostMs / steps).toFixed(4),
    samplesPerSecond: Math.round((c.batch * 1000) / msPerStep),
    dispatchesPerStep: dispatches.length,
    tuning: trainer.tuned && { gemms: trainer.tuned.timed, ms: Math.round(trainer.tuned.ms), tilings: Object.fromEntries(trainer.tuned.best) },
    kernelMicros: Object.fromEntries(dispatches.map((d, i) => [`${i}: ${d.label}`, +micros[i].toFixed(2)])),
  };
}

tf.env().set('PROD', true);
await tf.setBackend('cpu');
const { device, adapter, timestamps } = await openDevice();
console.log(`adapter: ${adapter}; per-kernel times from ${timestamps ? 'timestamp queries (GPU)' : 'host timing of single submits'}`);
if (values.probe) {
  // The tiling policy's measure of the GPU, three times (it should not move), and what it took.
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const workgroups = await probeWorkgroups(new GpuContext(device));
    console.log(`workgroups at once: ${workgroups} (probe took ${(performance.now() - t0).toFixed(0)} ms)`);
  }
}
const results = [];
for (const c of picked) {
  const r = await runCase(device, timestamps, c);
  console.log(
    `${r.case} batch ${r.batch}: ${r.msPerStep} ms/step (host ${r.hostMsPerStep} ms), ${r.samplesPerSecond} samples/s, ${r.dispatchesPerStep} dispatches`,
  );
  for (const [k, us] of Object.entries(r.kernelMicros)) console.log(`    ${us.toFixed(2).padStart(10)} µs  ${k}`);
  if (r.tuning) console.log(`    tuning: ${r.tuning.gemms} GEMMs in ${r.tuning.ms} ms; retiled ${JSON.stringify(r.tuning.tilings)}`);
  results.push(r);
}
if (values.json) writeFileSync(values.json, JSON.stringify({ adapter, steps, warmup, perSubmit, kernelTiming: timestamps ? 'gpu' : 'host', results }, null, 2));
process.exit(0);
