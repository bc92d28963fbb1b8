import type { ModelConfig } from '../src/train/model/config';

/** A benchmark case: a model preset (or the small ResNet of bench/resnet.ts, on CIFAR-shaped data) at a batch size. */
export interface BenchCase {
  readonly id: 'mlp' | 'mlp-wide' | 'cnn' | 'mlp-1024' | 'mlp-wide-4096' | 'cnn-1024' | 'resnet';
  /** The name in the table and the JSON. */
  readonly name: string;
  readonly model: ModelConfig | 'small-resnet';
  readonly batch: number;
  /** Run only when named with --cases (a batch size for real GPUs). */
  readonly gpuOnly?: true;
}

/** The benchmark cases, on MNIST-shaped data. */
export const CASES: readonly BenchCase[] = [
  { id: 'mlp', name: 'MLP 784-128-10', model: { type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 }, batch: 64 },
  { id: 'mlp-wide', name: 'MLP 784-1024-1024-10', model: { type: 'mlp', hidden: [1024, 1024], activation: 'relu', dropout: 0 }, batch: 512 },
  { id: 'cnn', name: 'CNN c32-p-c64-p-d128-d10', model: { type: 'cnn', filters: [32, 64], dense: 128 }, batch: 256 },
  // The compiled step's larger targets: the same models at GPU batch sizes (real GPUs only).
  { id: 'mlp-1024', name: 'MLP 784-128-10', model: { type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 }, batch: 1024, gpuOnly: true },
  {
    id: 'mlp-wide-4096',
    name: 'MLP 784-1024-1024-10',
    model: { type: 'mlp', hidden: [1024, 1024], activation: 'relu', dropout: 0 },
    batch: 4096,
    gpuOnly: true,
  },
  { id: 'cnn-1024', name: 'CNN c32-p-c64-p-d128-d10', model: { type: 'cnn', filters: [32, 64], dense: 128 }, batch: 1024, gpuOnly: true },
  { id: 'resnet', name: 'ResNet 16-32-64 (32×32×3)', model: 'small-resnet', batch: 128, gpuOnly: true },
];

/**
 * How much of a case one backend runs, or why it does not run it. Each round runs all three
 * runners once (in rotated order); the results are medians over rounds, since a shared 2-core VM
 * drifts by ±10% from one run to the next.
 */
export type CasePlan = { readonly batchesPerEpoch: number; readonly epochs: number; readonly rounds: number } | { readonly skip: string };

type Plans = Record<BenchCase['id'], { readonly full: CasePlan; readonly quick: CasePlan }>;

const notQuick = (why: string): CasePlan => ({ skip: `not in --quick (${why}); run without --quick` });
const swiftShader: CasePlan = { skip: 'small steps only in headless Chromium: WebGL and WebGPU run on SwiftShader (software) here' };
const gles: CasePlan = { skip: 'small steps only: without a GPU, Dawn runs on OpenGL ES in compatibility mode (Mesa, software here)' };
const gpuOnly: CasePlan = { skip: 'a GPU batch size: real GPUs only (--backends webgpu on a machine with one)' };
const gpuBatches = {
  'mlp-1024': { full: gpuOnly, quick: gpuOnly },
  'mlp-wide-4096': { full: gpuOnly, quick: gpuOnly },
  'cnn-1024': { full: gpuOnly, quick: gpuOnly },
  resnet: { full: gpuOnly, quick: gpuOnly },
};
const chromium: Plans = {
  mlp: { full: { batchesPerEpoch: 20, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 10, epochs: 2, rounds: 2 } },
  'mlp-wide': { full: swiftShader, quick: swiftShader },
  cnn: { full: swiftShader, quick: swiftShader },
  ...gpuBatches,
};

/**
 * Sized from measured step times on the 2-core machine (cpu: ~75 ms, ~9 s and ~15 s a step for the
 * three cases; wasm: ~11 ms, ~0.3 s, ~0.9 s) so that a full run takes minutes and `--quick` stays
 * under three. Two epochs at least, to see tensor growth; the MLP's full epoch is 9,600 items, about
 * the built-in MNIST set, so that its checkpoint share is that of a real epoch.
 */
const PLANS: Record<string, Plans> = {
  cpu: {
    mlp: { full: { batchesPerEpoch: 150, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 20, epochs: 2, rounds: 2 } },
    'mlp-wide': { full: { batchesPerEpoch: 1, epochs: 2, rounds: 2 }, quick: notQuick('about 9 s a step on cpu') },
    cnn: { full: { batchesPerEpoch: 1, epochs: 2, rounds: 1 }, quick: notQuick('about 15 s a step on cpu') },
    ...gpuBatches,
  },
  wasm: {
    mlp: { full: { batchesPerEpoch: 150, epochs: 2, rounds: 5 }, quick: { batchesPerEpoch: 40, epochs: 2, rounds: 3 } },
    'mlp-wide': { full: { batchesPerEpoch: 4, epochs: 2, rounds: 5 }, quick: { batchesPerEpoch: 2, epochs: 2, rounds: 2 } },
    cnn: { full: { batchesPerEpoch: 4, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 1, epochs: 2, rounds: 2 } },
    ...gpuBatches,
  },
  // Dawn on Mesa's OpenGL ES (no GPU): a wide MLP step takes 1.5 s, the CNN's over 10 s.
  'webgpu-gles': {
    mlp: { full: { batchesPerEpoch: 40, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 20, epochs: 2, rounds: 2 } },
    'mlp-wide': { full: gles, quick: gles },
    cnn: { full: gles, quick: gles },
    ...gpuBatches,
  },
  // A real GPU through Dawn (Vulkan): every case, sized like wasm's, which it should outrun.
  webgpu: {
    mlp: { full: { batchesPerEpoch: 150, epochs: 2, rounds: 5 }, quick: { batchesPerEpoch: 40, epochs: 2, rounds: 2 } },
    'mlp-wide': { full: { batchesPerEpoch: 20, epochs: 2, rounds: 5 }, quick: { batchesPerEpoch: 4, epochs: 2, rounds: 2 } },
    cnn: { full: { batchesPerEpoch: 20, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 4, epochs: 2, rounds: 2 } },
    'mlp-1024': { full: { batchesPerEpoch: 20, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 4, epochs: 2, rounds: 2 } },
    'mlp-wide-4096': { full: { batchesPerEpoch: 10, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 2, epochs: 2, rounds: 2 } },
    'cnn-1024': { full: { batchesPerEpoch: 10, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 2, epochs: 2, rounds: 2 } },
    resnet: { full: { batchesPerEpoch: 20, epochs: 2, rounds: 3 }, quick: { batchesPerEpoch: 4, epochs: 2, rounds: 2 } },
  },
  'chromium-webgl': chromium,
  'chromium-webgpu': chromium,
};

/** The plan of a case on a backend. */
export function planFor(backend: string, id: BenchCase['id'], quick: boolean): CasePlan {
  const plans = PLANS[backend];
  if (!plans) return { skip: `no plan for backend '${backend}'` };
  return quick ? plans[id].quick : plans[id].full;
}
