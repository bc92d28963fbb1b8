// Where a learner step's time goes on WebGPU: kernels (dispatches), buffers and bind groups
// created, queue submits and wall time per step, for the benchmark cases. Node only:
//   npx tsx bench/gpu-anatomy.ts [--steps N] [--json FILE]
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { registerNodeWebGpu } from '../src/cli/webgpu-node';
import { compiledWebGpu } from '../src/gpu/factory';
import { BatchDataLoader } from '../src/data/dataloader';
import { TensorBatcher } from '../src/data/batcher';
import { MemoryStore } from '../src/store/memory';
import { AccuracyMetric, createModel, LearnerBuilder, LossMetric, tfjsStep, type MetricsRenderer, type ModelConfig } from '../src/train/index';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '30' }, json: { type: 'string' } } });
const steps = Number(values.steps);
tf.env().set('PROD', true);
const adapter = await registerNodeWebGpu();
if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu backend did not initialize');

type Counted = { createBuffer: number; createBindGroup: number; submit: number; dispatch: number };
const counts: Counted = { createBuffer: 0, createBindGroup: 0, submit: 0, dispatch: 0 };
const backend = tf.backend() as unknown as { device: Record<string, (...a: unknown[]) => unknown>; queue: Record<string, (...a: unknown[]) => unknown> };
for (const name of ['createBuffer', 'createBindGroup'] as const) {
  const f = backend.device[name].bind(backend.device);
  backend.device[name] = (...a: unknown[]) => (counts[name]++, f(...a));
}
const submit = backend.queue.submit.bind(backend.queue);
backend.queue.submit = (...a: unknown[]) => (counts.submit++, submit(...a));
const createEncoder = backend.device.createCommandEncoder.bind(backend.device);
backend.device.createCommandEncoder = (...a: unknown[]) => {
  const enc = createEncoder(...a) as { beginComputePass: (...b: unknown[]) => { dispatchWorkgroups: (...c: unknown[]) => unknown } };
  const begin = enc.beginComputePass.bind(enc);
  enc.beginComputePass = (...b: unknown[]) => {
    const pass = begin(...b);
    const dispatch = pass.dispatchWorkgroups.bind(pass);
    pass.dispatchWorkgroups = (...c: unknown[]) => (counts.dispatch++, dispatch(...c));
    return pass;
  };
  return enc;
};

const cases: { name: string; model: ModelConfig; batch: number }[] = [
  { name: 'MLP 784-128-10', model: { type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 }, batch: 64 },
  { name: 'MLP 784-1024-1024-10', model: { type: 'mlp', hidden: [1024, 1024], activation: 'relu', dropout: 0 }, batch: 512 },
  { name: 'MLP 784-1024-1024-10', model: { type: 'mlp', hidden: [1024, 1024], activation: 'relu', dropout: 0 }, batch: 4096 },
  { name: 'CNN 32-64-128', model: { type: 'cnn', filters: [32, 64], dense: 128 }, batch: 256 },
];
const quiet: MetricsRenderer = { update() {}, epochEnd() {}, log() {}, end() {} };
const results = [];
for (const c of cases) {
  const n = c.batch * (steps + 1);
  const x = Float32Array.from({ length: n * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  const data = { x, itemShape: [28, 28, 1], y, numClasses: 10 };
  const train = new BatchDataLoader(n, new TensorBatcher(data), { batchSize: c.batch, shuffle: true, seed: 1 });
  const valid = new BatchDataLoader(c.batch, new TensorBatcher({ ...data, x: x.subarray(0, c.batch * 784), y: y.subarray(0, c.batch) }), {
    batchSize: c.batch,
  });
  const model = createModel(c.model, { inputShape: [28, 28, 1], outputs: 10 }, 1);
  // Step times from the renderer: one timestamp per processed iteration (≤4 behind the device).
  const stamps: number[] = [];
  const snapshots: Counted[] = [];
  const renderer: MetricsRenderer = {
    ...quiet,
    update: (split) => void (split === 'train' && (stamps.push(performance.now()), snapshots.push({ ...counts }))),
  };
  const learner = new LearnerBuilder(new MemoryStore())
    .renderer(renderer)
    .devices(['webgpu'])
    .engines([compiledWebGpu(), tfjsStep()])
    .metricTrainNumeric(new LossMetric())
    .metricTrainNumeric(new AccuracyMetric())
    .numEpochs(1)
    .build(model, { type: 'adam' }, 1e-3);
  await learner.fit(train, valid);
  const per = (k: keyof Counted) => (snapshots[snapshots.length - 1][k] - snapshots[1][k]) / (snapshots.length - 2);
  const msPerStep = (stamps[stamps.length - 1] - stamps[1]) / (stamps.length - 2);
  const kernels = (
    await tf.profile(() =>
      tf.tidy(() => {
        const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
        const xb = tf.zeros([c.batch, 28, 28, 1]);
        const yb = tf.oneHot(tf.zeros([c.batch], 'int32'), 10);
        return tf.variableGrads(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true }) as tf.Tensor) as tf.Scalar, vars).value;
      }),
    )
  ).kernels.length;
  const r = {
    case: c.name,
    batch: c.batch,
    msPerStep: +msPerStep.toFixed(3),
    samplesPerSecond: Math.round((c.batch * 1000) / msPerStep),
    dispatchesPerStep: per('dispatch'),
    buffersCreatedPerStep: per('createBuffer'),
    bindGroupsPerStep: per('createBindGroup'),
    submitsPerStep: per('submit'),
    tfjsKernelsInForwardBackward: kernels,
  };
  console.log(JSON.stringify(r));
  results.push(r);
  train.dispose();
  valid.dispose();
  model.dispose();
}
const report = { adapter, steps, results };
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
console.log(`adapter: ${adapter}`);
