import { describe, expect, it } from 'vitest';
import type { BackendProbe } from '../../src/protocol/index';
import { DEFAULT_RUN_CONFIG, RunConfigSchema, type RunConfig } from '../../src/protocol/run-config';
import { backendOrder, fellBackFrom } from '../../src/worker/backends';

const config = (over: Partial<Record<keyof RunConfig, unknown>> = {}): RunConfig => RunConfigSchema.parse({ ...DEFAULT_RUN_CONFIG, ...over });
const cnn = { type: 'cnn' };

const ALL: BackendProbe[] = [
  { name: 'webgpu', available: true, note: 'NVIDIA' },
  { name: 'webgl', available: true, note: 'ANGLE' },
  { name: 'wasm', available: true },
  { name: 'cpu', available: true },
];
const NO_GPU: BackendProbe[] = [
  { name: 'webgpu', available: false, note: 'no WebGPU adapter' },
  { name: 'webgl', available: false, note: 'WebGL 2 is not available' },
  { name: 'wasm', available: true },
  { name: 'cpu', available: true },
];

describe('backendOrder', () => {
  it('tries_every_available_backend_fastest_first_on_auto', () => {
    expect(backendOrder(config(), ALL)).toEqual({ order: ['webgpu', 'webgl', 'wasm', 'cpu'], skipped: [] });
  });

  it('says_why_unavailable_backends_were_skipped', () => {
    expect(backendOrder(config(), NO_GPU)).toEqual({
      order: ['wasm', 'cpu'],
      skipped: ['webgpu: no WebGPU adapter', 'webgl: WebGL 2 is not available'],
    });
  });

  it('leaves_wasm_out_for_a_cnn_and_says_so', () => {
    const { order, skipped } = backendOrder(config({ model: cnn }), NO_GPU);
    expect(order).toEqual(['cpu']);
    expect(skipped).toHaveLength(3);
    expect(skipped[2]).toMatch(/^wasm: .*convolutions/);
  });

  it('uses_only_the_backend_the_user_picked', () => {
    expect(backendOrder(config({ backend: 'webgl' }), NO_GPU)).toEqual({ order: ['webgl'], skipped: [] });
    expect(backendOrder(config({ backend: 'wasm' }), ALL)).toEqual({ order: ['wasm'], skipped: [] });
  });
});

describe('fellBackFrom', () => {
  it('names_only_the_backends_skipped_before_the_one_the_run_got', () => {
    const { skipped } = backendOrder(config({ model: cnn }), NO_GPU);
    expect(fellBackFrom(skipped, NO_GPU, 'cpu')).toEqual(skipped); // webgpu, webgl and wasm were all passed over
    const gpu = backendOrder(config({ model: cnn }), ALL);
    expect(gpu.skipped).toHaveLength(1); // wasm, for the convolutions
    expect(fellBackFrom(gpu.skipped, ALL, 'webgpu')).toEqual([]); // but the run got webgpu, before it
  });
});

