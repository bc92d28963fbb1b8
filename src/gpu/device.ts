/// <reference types="@webgpu/types" />
import type { KernelSource } from './kernels/common';

/**
 * The device limits the kernels are sized against, read from `device.limits`. WebGPU's
 * compatibility mode (OpenGL ES) grants as little as 128 invocations and 16 KiB of workgroup
 * memory per workgroup and 4 storage buffers per stage by default; every kernel here binds at
 * most `KERNEL_STORAGE_BUFFERS`, and the GEMM tilings are chosen within the rest.
 */
export interface KernelLimits {
  readonly maxInvocations: number;
  readonly maxWorkgroupStorage: number;
  readonly maxWorkgroupsPerDim: number;
  readonly maxStorageBuffers: number;
  readonly maxStorageBindingSize: number;
  readonly maxBufferSize: number;
  readonly uniformAlignment: number;
}

/** Storage buffers any kernel here binds at most: the lowest per-stage limit WebGPU allows. */
export const KERNEL_STORAGE_BUFFERS = 4;

/** Reads the limits the kernels need from a device. */
export function kernelLimits(device: GPUDevice): KernelLimits {
  const l = device.limits;
  return {
    maxInvocations: Math.min(l.maxComputeInvocationsPerWorkgroup, l.maxComputeWorkgroupSizeX),
    maxWorkgroupStorage: l.maxComputeWorkgroupStorageSize,
    maxWorkgroupsPerDim: l.maxComputeWorkgroupsPerDimension,
    maxStorageBuffers: l.maxStorageBuffersPerShaderStage,
    maxStorageBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    uniformAlignment: l.minUniformBufferOffsetAlignment,
  };
}

/**
 * The adapter's name when it is a software rasterizer (SwiftShader in Chrome without a usable GPU,
 * Mesa's llvmpipe or lavapipe under Dawn), else null: GPU timings mean little there.
 */
export function softwareAdapter(device: GPUDevice): string | null {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
  if (!info) return null;
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const soft = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render/i.exec(text);
  return soft ? soft[0] : info.isFallbackAdapter ? text || 'fallback adapter' : null;
}

/** A buffer (or a range of one) to bind to a kernel's role. */
export type BufferBinding = GPUBuffer | { readonly buffer: GPUBuffer; readonly offset?: number; readonly size?: number };

/** A kernel made ready: its pipeline, its bind group, its grid, and whether it reads the step record. */
export interface Dispatch {
  readonly label: string;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  readonly usesStep: boolean;
}

/** Pipelines by device, then kernel source: fits in one process (or worker) on one device share them. */
const compiled = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/**
 * The caller's GPUDevice with what the runtime needs around it: limits, buffer creation that
 * checks sizes, and pipelines compiled once per distinct kernel source and device.
 */
export class GpuContext {
  readonly limits: KernelLimits;
  private readonly pipelines: Map<string, Promise<GPUComputePipeline>>;

  constructor(readonly device: GPUDevice) {
    const known = compiled.get(device) ?? new Map<string, Promise<GPUComputePipeline>>();
    compiled.set(device, known);
    this.pipelines = known;
    this.limits = kernelLimits(device);
    if (this.limits.maxStorageBuffers < KERNEL_STORAGE_BUFFERS) {
      throw new Error(`the device allows ${this.limits.maxStorageBuffers} storage buffers per shader stage, the compiled step needs ${KERNEL_STORAGE_BUFFERS}`);
    }
  }

  /** A buffer of at least 4 bytes (WebGPU rounds nothing up itself) with the given usage. */
  createBuffer(label: string, bytes: number, usage: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (size > this.limits.maxBufferSize) throw new Error(`buffer '${label}' needs ${size} bytes, the device allows ${this.limits.maxBufferSize}`);
    if (usage & GPUBufferUsage.STORAGE && size > this.limits.maxStorageBindingSize) {
      throw new Error(`buffer '${label}' needs ${size} bytes, the device binds at most ${this.limits.maxStorageBindingSize} as storage`);
    }
    return this.device.createBuffer({ label, size, usage });
  }

  /**
   * The kernel's pipeline with an explicit layout (dynamic offsets need one); compiled
   * asynchronously (the driver may compile several at once), once per distinct source on this
   * device, and rejected with the compiler's message on error (then forgotten, so a later fit asks again).
   */
  pipeline(kernel: KernelSource): Promise<GPUComputePipeline> {
    const key = kernel.code + JSON.stringify(kernel.bindings);
    let p = this.pipelines.get(key);
    if (!p) {
      const entries: GPUBindGroupLayoutEntry[] = kernel.bindings.map((b, binding) => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: b.kind === 'step' ? { type: 'uniform', hasDynamicOffset: true } : { type: b.kind === 'read' ? 'read-only-storage' : 'storage' },
      }));
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.device.createBindGroupLayout({ label: kernel.label, entries })] });
      const module = this.device.createShaderModule({ label: kernel.label, code: kernel.code });
      p = this.device.createComputePipelineAsync({ label: kernel.label, layout, compute: { module, entryPoint: 'main' } });
      this.pipelines.set(key, p);
      p.catch(() => this.pipelines.delete(key));
    }
    return p;
  }

  /** Compiles the kernel (or reuses its pipeline) and binds each role to its buffer. */
  async prepare(kernel: KernelSource, buffers: Readonly<Record<string, BufferBinding>>): Promise<Dispatch> {
    const pipeline = await this.pipeline(kernel);
    const entries = kernel.bindings.map((b, binding) => {
      const bound = buffers[b.role];
      if (!bound) throw new Error(`kernel '${kernel.label}': no buffer for binding '${b.role}'`);
      return { binding, resource: 'buffer' in bound ? { ...bound } : { buffer: bound } };
    });
    const bindGroup = this.device.createBindGroup({ label: kernel.label, layout: pipeline.getBindGroupLayout(0), entries });
    return { label: kernel.label, pipeline, bindGroup, workgroups: kernel.workgroups, usesStep: kernel.bindings.some((b) => b.kind === 'step') };
  }
}

/**
 * Records dispatches into a compute pass. `stepOffsets[stepIndex]` is the dynamic offset of the
 * step record; passing the array and an index (not a fresh [offset]) keeps the hot loop free of
 * host allocations.
 */
export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[], stepOffsets: Uint32Array, stepIndex: number): void {
  for (let i = 0; i < dispatches.length; i++) {
    const d = dispatches[i];
    pass.setPipeline(d.pipeline);
    if (d.usesStep) pass.setBindGroup(0, d.bindGroup, stepOffsets, stepIndex, 1);
    else pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

/** A typed array of 32-bit words, as uploads take them. */
export type Words = Float32Array | Int32Array | Uint32Array;

/** Queues a write of `data` into `buffer` at byte `offset` (any typed array, shared or not). */
export function writeArray(queue: GPUQueue, buffer: GPUBuffer, offset: number, data: Words): void {
  queue.writeBuffer(buffer, offset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}
