/// <reference types="@webgpu/types" />
import { encodeDispatches, GpuContext, writeArray, type BufferBinding, type Words } from '../../../src/gpu/device';
import { STEP_BYTES, type KernelSource } from '../../../src/gpu/kernels/common';

/** A WebGPU device for the tests, with why there is none when there is none. */
export interface TestGpu {
  readonly device: GPUDevice | null;
  readonly reason: string;
}

let cached: Promise<TestGpu> | null = null;
let another: (() => Promise<GPUDevice>) | null = null;

/** A second device from the tests' adapter: what a new process would get (nothing of the first's in-process memory). */
export async function anotherDevice(): Promise<GPUDevice> {
  await testGpu();
  if (!another) throw new Error('no WebGPU adapter');
  return another();
}
/**
 * The GPU instances (and the device), held for the process's life: Dawn aborts the process when
 * the garbage collector frees a GPU instance while a device made from it is still in use.
 */
const keepAlive: unknown[] = [];

/**
 * A device from the `webgpu` package: Vulkan when there is a driver, else Mesa's OpenGL ES in
 * compatibility mode. Default limits on purpose: the kernels must fit the lowest ones WebGPU allows.
 */
export function testGpu(): Promise<TestGpu> {
  cached ??= (async () => {
    try {
      process.env.EGL_PLATFORM ??= 'surfaceless';
      const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
      Object.assign(globalThis, globals);
      const instance = (flags: string[]) => {
        const gpu = create(flags);
        keepAlive.push(gpu);
        return gpu;
      };
      const find = async () =>
        (await instance([]).requestAdapter()) ??
        (await instance(['backend=opengles']).requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions));
      const adapter = await find();
      if (!adapter) return { device: null, reason: 'no WebGPU adapter through Vulkan or OpenGL ES' };
      const device = await adapter.requestDevice();
      keepAlive.push(adapter, device);
      // An adapter gives one device: another comes from a new adapter.
      another = async () => {
        const next = (await find())!;
        const d = await next.requestDevice();
        keepAlive.push(next, d);
        return d;
      };
      device.addEventListener('uncapturederror', (e) => console.error('WebGPU error:', (e as GPUUncapturedErrorEvent).error.message));
      return { device, reason: '' };
    } catch (e) {
      return { device: null, reason: `webgpu: ${(e as Error).message}` };
    }
  })();
  return cached;
}

/** The GPU tests' device, or null after printing why they are skipped. */
export async function gpuOrSkip(): Promise<GpuContext | null> {
  const { device, reason } = await testGpu();
  if (!device) {
    console.warn(`GPU tests skipped: ${reason}`);
    return null;
  }
  return new GpuContext(device);
}

/** A storage buffer holding `data` (or `floats` zeros), readable back. */
export function storage(ctx: GpuContext, data: Words | number): GPUBuffer {
  const bytes = typeof data === 'number' ? data * 4 : data.byteLength;
  const buffer = ctx.createBuffer('test', bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
  if (typeof data !== 'number') writeArray(ctx.device.queue, buffer, 0, data);
  return buffer;
}

/** A step-record ring of one slot with the given values, bindable as the 'step' role. */
export function stepRecord(
  ctx: GpuContext,
  s: Partial<{ row0: number; slot: number; seed: number; accumulate: number; lr: number; gradScale: number }>,
): BufferBinding {
  const words = new ArrayBuffer(STEP_BYTES);
  const u = new Uint32Array(words);
  const f = new Float32Array(words);
  [u[0], u[1], u[2], u[3]] = [s.row0 ?? 0, s.slot ?? 0, s.seed ?? 0, s.accumulate ?? 0];
  [f[4], f[5]] = [s.lr ?? 0, s.gradScale ?? 1];
  const buffer = ctx.createBuffer('step', 256, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  ctx.device.queue.writeBuffer(buffer, 0, words);
  return { buffer, size: STEP_BYTES };
}

/** Runs kernels in order, in one pass and one submit. */
export async function runKernels(ctx: GpuContext, runs: readonly [KernelSource, Record<string, BufferBinding>][]): Promise<void> {
  const dispatches = await Promise.all(runs.map(([k, b]) => ctx.prepare(k, b)));
  const encoder = ctx.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  encodeDispatches(pass, dispatches, new Uint32Array([0]), 0);
  pass.end();
  ctx.device.queue.submit([encoder.finish()]);
}

/** Reads a buffer's first `floats` floats back. */
export async function readFloats(ctx: GpuContext, buffer: GPUBuffer, floats: number, offset = 0): Promise<Float32Array> {
  const staging = ctx.device.createBuffer({ size: floats * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = ctx.device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, offset * 4, staging, 0, floats * 4);
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return out;
}
