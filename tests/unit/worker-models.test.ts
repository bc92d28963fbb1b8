import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendProbe } from '../../src/protocol/index';
import { DEFAULT_RUN_CONFIG, RunConfigSchema, type RunConfig } from '../../src/protocol/run-config';
import { engineCheck } from '../../src/worker/engine-check';
import { ModelHost } from '../../src/worker/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MNIST = { inputShape: [28, 28, 1], outputs: 10 };
const config = (model: unknown, over: Partial<RunConfig> = {}): RunConfig => RunConfigSchema.parse({ ...DEFAULT_RUN_CONFIG, model, ...over });
const probes = (webgpu: boolean): BackendProbe[] => [
  { name: 'webgpu', available: webgpu, note: webgpu ? 'adapter' : 'no WebGPU adapter' },
  { name: 'webgl', available: false, note: 'WebGL 2 is not available' },
  { name: 'wasm', available: true },
  { name: 'cpu', available: true },
];
const convnet = {
  type: 'layers',
  version: 1,
  layers: [
    { type: 'Conv2D', filters: 4, useBias: false },
    { type: 'BatchNormalization' },
    { type: 'Activation', activation: 'relu' },
    { type: 'GlobalAveragePooling2D' },
    { type: 'Dense', units: 10 },
  ],
};

/** A small model saved as model.save writes it, as the Files a user would pick. */
async function picked(): Promise<{ name: string; file: Blob }[]> {
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1], name: 'f' }), tf.layers.dense({ units: 10, name: 'd' })] });
  let files: { name: string; file: Blob }[] = [];
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['./group1-shard1of1.bin'], weights: a.weightSpecs }] };
      files = [
        { name: 'model.json', file: new Blob([JSON.stringify(json)]) },
        { name: 'group1-shard1of1.bin', file: new Blob([a.weightData as ArrayBuffer]) },
      ];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  m.dispose();
  return files;
}

describe('the worker’s models', () => {
  it('opens_a_model_json_with_its_weights_file_and_keeps_the_weights_for_the_run_that_starts_from_it', async () => {
    const host = new ModelHost();
    const opened = await host.open(await picked(), MNIST, 'classification');
    expect(opened.config.initial).toEqual({ source: 'model.json' });
    expect(opened.config.layers.map((l) => l.name)).toEqual(['f', 'd']);
    expect(opened.weights).toEqual([
      { name: 'd/kernel', shape: [784, 10] },
      { name: 'd/bias', shape: [10] },
    ]);
    expect(host.weightsFor(config(opened.config))?.map((w) => w.name)).toEqual(['d/kernel', 'd/bias']);
    expect(host.weightsFor(config({ ...opened.config, initial: { source: 'other.json' } }))).toBeUndefined();
    // Topology alone: nothing kept.
    const bare = await host.open((await picked()).slice(0, 1), MNIST, 'classification');
    expect([bare.weights, bare.config.initial]).toEqual([null, undefined]);
    expect(host.weightsFor(config(opened.config))).toBeUndefined();
    await expect(host.open((await picked()).slice(1), MNIST, 'classification')).rejects.toThrow('no model.json among the files');
  });

  it('says_before_the_run_which_engine_trains_it_and_why_not_compiled', async () => {
    const mlp = await engineCheck(config({ type: 'mlp' }), MNIST, 'classification', probes(true));
    expect(mlp).toEqual({ engine: 'compiled', why: '', backend: 'webgpu' });
    const rmsprop = await engineCheck(
      config({ type: 'mlp' }, { optimizer: { type: 'rmsprop' } as RunConfig['optimizer'] }),
      MNIST,
      'classification',
      probes(true),
    );
    expect(rmsprop).toEqual({ engine: 'tfjs', why: 'not compiled: RMSProp is not compiled yet (SGD, Adam and AdamW are)', backend: 'webgpu' });
    const noGpu = await engineCheck(config(convnet), MNIST, 'classification', probes(false));
    expect(noGpu).toEqual({ engine: 'tfjs', why: 'the compiled step runs on webgpu; this run is on wasm', backend: 'wasm' });
    const layers = await engineCheck(config(convnet), MNIST, 'classification', probes(true));
    expect(layers.backend).toBe('webgpu');
    // Whatever the compiled step covers, the answer is the planner's: compiled, or tfjs naming why.
    if (layers.engine === 'tfjs') expect(layers.why).toMatch(/^not compiled: /);
    else expect(layers).toEqual({ engine: 'compiled', why: '', backend: 'webgpu' });
  });
});
