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

  it('tries_wasm_for_a_cnn_too', () => {
    // Kiln's convolution-gradient kernels train a CNN on wasm (tfjs-wasm alone has no Conv2DBackpropFilter).
    expect(backendOrder(config({ model: cnn }), NO_GPU).order).toEqual(['wasm', 'cpu']);
  });

  it('passes_over_wasm_for_a_depthwise_convolution_saying_why', () => {
    const model = { type: 'layers', version: 1, layers: [{ type: 'DepthwiseConv2D' }, { type: 'Flatten' }, { type: 'Dense', units: 10 }] };
    expect(backendOrder(config({ model }), NO_GPU)).toEqual({
      order: ['cpu'],
      skipped: [
        'webgpu: no WebGPU adapter',
        'webgl: WebGL 2 is not available',
        'wasm: DepthwiseConv2D and SeparableConv2D do not train on wasm (tfjs-wasm has no depthwise-convolution gradient): pick another backend',
      ],
    });
    expect(RunConfigSchema.safeParse({ ...DEFAULT_RUN_CONFIG, model, backend: 'wasm' }).error?.issues[0]?.message).toMatch(
      /^DepthwiseConv2D and SeparableConv2D do not train on wasm/,
    );
  });

  it('uses_only_the_backend_the_user_picked', () => {
    expect(backendOrder(config({ backend: 'webgl' }), NO_GPU)).toEqual({ order: ['webgl'], skipped: [] });
    expect(backendOrder(config({ backend: 'wasm' }), ALL)).toEqual({ order: ['wasm'], skipped: [] });
  });
});

describe('fellBackFrom', () => {
  it('names_only_the_backends_skipped_before_the_one_the_run_got', () => {
    const { skipped } = backendOrder(config({ model: cnn }), NO_GPU);
    expect(fellBackFrom(skipped, NO_GPU, 'cpu')).toEqual(skipped); // webgpu and webgl were passed over before cpu
    const noWebGl: BackendProbe[] = [ALL[0], { name: 'webgl', available: false, note: 'WebGL 2 is not available' }, ALL[2], ALL[3]];
    const gpu = backendOrder(config({ model: cnn }), noWebGl);
    expect(gpu.skipped).toEqual(['webgl: WebGL 2 is not available']);
    expect(fellBackFrom(gpu.skipped, noWebGl, 'webgpu')).toEqual([]); // the run got webgpu, before webgl
  });
});
