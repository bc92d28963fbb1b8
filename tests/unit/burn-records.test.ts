import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TensorData as Dataset } from '../../src/data/dataset';
import { MemoryStore } from '../../src/store/memory';
import { LearnerCheckpointer } from '../../src/train/checkpoint';
import { LearnerBuilder, LossMetric, type MetricsRenderer } from '../../src/train/index';
import { burnLayoutOf } from '../../src/train/model/burn-layout';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import { toTensorRecord } from '../../src/train/tensor-record';
import { createModel } from '../../src/train/model/build';
import type { OptimizerConfigInput } from '../../src/train/optim/config';
import type { SchedulerConfigInput } from '../../src/train/schedule/config';
import { Rng } from '../../src/util/rng';
import {
  adamState,
  batchNorm,
  burnRecord,
  type BurnVersion,
  conv2d,
  constantModule,
  i32,
  linear,
  optimizerRecord,
  type Param,
  rmsPropState,
  sgdState,
  struct,
  unit,
  usize,
  f64,
} from './burn-serde';
import { blobs, loader } from './fixtures';

const VERSIONS: BurnVersion[] = ['0.19', '0.20', '0.21'];
const quiet = (): MetricsRenderer => ({ update() {}, epochEnd() {}, log() {}, end() {} });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `n` random 8×8 RGB images in 3 classes. */
function images(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * 8 * 8 * 3 }, () => rng.next());
  const y = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 3));
  return { x, itemShape: [8, 8, 3], y, numClasses: 3 };
}

/** Trains `model` for two epochs into a fresh store; resolves to the store and the model. */
async function run(model: tf.LayersModel, data: Dataset, optimizer: OptimizerConfigInput, schedule: SchedulerConfigInput) {
  const store = new MemoryStore();
  await new LearnerBuilder(store)
    .renderer(quiet())
    .devices(['cpu'])
    .metricTrainNumeric(new LossMetric())
    .withFileCheckpointer()
    .numEpochs(2)
    .build(model, optimizer, schedule)
    .fit(loader(data, 8, 1), loader(data, 8));
  const read = async (kind: string) => (await store.read(`checkpoint/${kind}-2.mpk.gz`))!;
  return { model: await read('model'), optim: await read('optim'), scheduler: await read('scheduler') };
}

/** Every parameter of a decoded module tree. */
const paramsOf = (item: { [module: string]: unknown }): Param[] =>
  Object.values(item).flatMap((m) => (m && typeof m === 'object' ? Object.values(m).filter((f): f is Param => !!f && typeof f === 'object' && 'id' in f) : []));

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
};

/** Burn's forward pass of the CNN preset on one channels-first image, from the record alone (naive loops). */
function burnCnnForward(item: ReturnType<ReturnType<typeof cnnItem>>['item'], image: Float32Array, size: number): Float32Array {
  let x = image;
  let [c, h, w] = [3, size, size];
  const conv = (p: { weight: Param; bias: Param | null }) => {
    const [out, inC, kh, kw] = p.weight.tensor.shape;
    const y = new Float32Array(out * h * w);
    for (let o = 0; o < out; o++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          let s = p.bias!.tensor.values[o];
          for (let ci = 0; ci < inC; ci++)
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++) {
                const [r, q] = [i + a - 1, j + b - 1]; // same padding of a 3×3 window, stride 1
                if (r >= 0 && r < h && q >= 0 && q < w) s += p.weight.tensor.values[((o * inC + ci) * kh + a) * kw + b] * x[(ci * h + r) * w + q];
              }
          y[(o * h + i) * w + j] = Math.max(0, s);
        }
    [x, c] = [y, out];
  };
  const pool = () => {
    const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
    const y = new Float32Array(c * oh * ow);
    for (let k = 0; k < c; k++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) y[(k * oh + i) * ow + j] = Math.max(...[0, 1].flatMap((a) => [0, 1].map((b) => x[(k * h + 2 * i + a) * w + 2 * j + b])));
    [x, h, w] = [y, oh, ow];
  };
  const dense = (p: { weight: Param; bias: Param | null }, relu: boolean) => {
    const [inputs, units] = p.weight.tensor.shape;
    x = Float32Array.from({ length: units }, (_, u) => {
      let s = p.bias!.tensor.values[u];
      for (let i = 0; i < inputs; i++) s += x[i] * p.weight.tensor.values[i * units + u];
      return relu ? Math.max(0, s) : s;
    });
  };
  conv(item.conv1);
  pool();
  conv(item.conv2);
  pool();
  dense(item.dense1, true); // a channels-first flatten is x as it is
  dense(item.output, false);
  return x;
}

/** The CNN preset's model struct: `Model { conv1: Conv2d, pool1: MaxPool2d, conv2: Conv2d, pool2: MaxPool2d, dense1: Linear, output: Linear }`. */
const cnnItem = (v: BurnVersion) => (gz: Uint8Array) =>
  burnRecord(struct({ conv1: conv2d(v), pool1: constantModule, conv2: conv2d(v), pool2: constantModule, dense1: linear, output: linear }), gz);

describe("Burn's records of a run", () => {
  it('cnn_records_decode_with_burns_types_and_compute_what_the_model_computes', async () => {
    const model = createModel({ type: 'cnn', filters: [2, 3], dense: 4 }, { inputShape: [8, 8, 3], outputs: 3 }, 5);
    const records = await run(model, images(24, 3), { type: 'adam' }, { type: 'constant', lr: 0.01 });
    for (const v of VERSIONS) {
      const { item, metadata } = cnnItem(v)(records.model);
      expect(metadata.format).toBe('burn_core::record::file::NamedMpkGzFileRecorder<burn_core::record::settings::FullPrecisionSettings>');
      expect(item.conv1.weight.tensor.shape).toEqual([2, 3, 3, 3]);
      expect(item.conv2.weight.tensor.shape).toEqual([3, 2, 3, 3]);
      expect(item.dense1.weight.tensor.shape).toEqual([12, 4]);
      const optim = burnRecord(optimizerRecord(adamState(v)), records.optim).item;
      const params = paramsOf(item);
      expect(params).toHaveLength(8);
      expect(new Set(optim.keys())).toEqual(new Set(params.map((p) => p.id)));
      for (const p of params) {
        const entry = optim.get(p.id)!;
        expect(entry.rank).toBe(p.tensor.shape.length);
        expect(entry.state.momentum.time).toBe(6n); // 24 items in batches of 8, two epochs
        expect(entry.state.momentum.moment_1.shape).toEqual(p.tensor.shape);
      }
      expect(burnRecord(unit, records.scheduler).item).toBeNull();
    }
    const { item } = cnnItem('0.21')(records.model);
    const image = images(1, 11).x;
    const expected = tf.tidy(() => (model.predict(tf.tensor(image, [1, 8, 8, 3])) as tf.Tensor).dataSync());
    // The same image channels-first, as Burn's Conv2d takes it.
    const chw = new Float32Array(image.length);
    for (let c = 0; c < 3; c++) for (let h = 0; h < 8; h++) for (let w = 0; w < 8; w++) chw[(c * 8 + h) * 8 + w] = image[(h * 8 + w) * 3 + c];
    close(burnCnnForward(item, chw, 8), expected);
    model.dispose();
  });

  it('mlp_records_decode_with_burns_types_and_optimizer_state_keyed_by_param_id', async () => {
    const model = createModel({ type: 'mlp', hidden: [6], activation: 'relu', dropout: 0.2 }, { inputShape: [4], outputs: 3 }, 2);
    const records = await run(model, blobs(32), { type: 'rmsprop', centered: true, momentum: 0.5 }, { type: 'cosine', lr: 0.01, steps: 100 });
    const mlp = struct({ dense1: linear, dropout1: constantModule, output: linear });
    const weights = model.getWeights().map((w) => w.dataSync());
    {
      const { item } = burnRecord(mlp, records.model);
      // Linear keeps [d_input, d_output], as tfjs's Dense does.
      expect(item.dense1.weight.tensor.shape).toEqual([4, 6]);
      close(item.dense1.weight.tensor.values, weights[0], 0);
      close(item.output.bias!.tensor.values, weights[3], 0);
      const optim = burnRecord(optimizerRecord(rmsPropState), records.optim).item;
      const params = paramsOf(item);
      expect(new Set(optim.keys())).toEqual(new Set(params.map((p) => p.id)));
      for (const { state } of optim.values()) {
        const { square_avg: s, centered } = state;
        // Centered RMSprop's avg is the squared average less the squared mean gradient.
        close(
          centered.avg.values,
          s.square_avg.values.map((x, i) => x - centered.grad_avg!.values[i] ** 2),
        );
        expect(state.momentum).not.toBeNull();
      }
      // Burn's cosine counter: the index of the last of 8 steps in its cycle.
      expect(burnRecord(usize, records.scheduler).item).toBe(7n);
    }
    model.dispose();
  });

  it('sgd_and_step_schedule_records_decode_with_burns_types', async () => {
    const model = createModel({ type: 'logistic' }, { inputShape: [4], outputs: 3 }, 1);
    const records = await run(model, blobs(16), { type: 'sgd', momentum: 0.9 }, { type: 'step', lr: 0.1, stepSize: 3 });
    const { item } = burnRecord(struct({ output: linear }), records.model);
    const optim = burnRecord(optimizerRecord(sgdState), records.optim).item;
    expect(new Set(optim.keys())).toEqual(new Set(paramsOf(item).map((p) => p.id)));
    for (const { state } of optim.values()) expect(state.momentum?.velocity.values.length).toBeGreaterThan(0);
    // Burn's StepLrScheduler keeps the last step's index: 4 steps, index 3.
    expect(burnRecord(i32, records.scheduler).item).toBe(3);
    model.dispose();
  });

  it('exponential_schedule_record_is_the_last_rate_as_f64', async () => {
    const model = createModel({ type: 'logistic' }, { inputShape: [4], outputs: 3 }, 1);
    const records = await run(model, blobs(16), { type: 'adamw' }, { type: 'exponential', lr: 0.1, gamma: 0.5 });
    // Four steps at 0.1, 0.05, 0.025, 0.0125: Burn's ExponentialLrScheduler holds the last.
    expect(burnRecord(f64, records.scheduler).item).toBeCloseTo(0.0125, 12);
    model.dispose();
  });

  it('batch_norm_weights_go_to_burns_batch_norm_fields', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 3, name: 'dense1' }),
        tf.layers.batchNormalization({ name: 'bn1' }),
        tf.layers.dense({ units: 2, name: 'output' }),
      ],
    });
    const rng = new Rng(4);
    model.setWeights(model.weights.map((w) => tf.randomUniform(w.shape as number[], 0, 1, 'float32', 1 + rng.int(1000))));
    // Every weight, the moving statistics too, as a checkpoint that keeps the model's state holds them.
    const all = await Promise.all(model.weights.map((w) => toTensorRecord(w.originalName, w.read())));
    const store = new MemoryStore();
    const optim = { type: 'sgd', config: parseOptimizerConfig({ type: 'sgd' }), step: 0, slots: {} };
    const scheduler = { config: parseSchedulerConfig({ type: 'constant', lr: 0.1 }), step: 0 };
    const progress = { epoch: 1, globalStep: 0, dataOrder: { seed: null, shuffle: false }, rng: { s: 1 } };
    await new LearnerCheckpointer(store, { keep: () => [1] }).save(1, { model: all, optim, scheduler, progress, layout: burnLayoutOf(model) });
    const { item } = burnRecord(struct({ dense1: linear, bn1: batchNorm, output: linear }), (await store.read('checkpoint/model-1.mpk.gz'))!);
    const value = (name: string) => all.find((w) => w.name === name)!.data;
    close(item.bn1.gamma.tensor.values, value('bn1/gamma'), 0);
    close(item.bn1.beta.tensor.values, value('bn1/beta'), 0);
    close(item.bn1.running_mean.tensor.values, value('bn1/moving_mean'), 0);
    close(item.bn1.running_var.tensor.values, value('bn1/moving_variance'), 0);
    expect(burnRecord(optimizerRecord(sgdState), (await store.read('checkpoint/optim-1.mpk.gz'))!).item.size).toBe(0);
    model.dispose();
  });
});
