import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/protocol/run-config';
import { DirectoryStore } from '../../src/store/node-dir';
import { BurnExportError, modelRs } from '../../src/export/burn-rust';
import { exportRun } from '../../src/cli/export-run';
import { LearnerCheckpointer } from '../../src/train/checkpoint';
import { burnLayoutOf } from '../../src/train/model/burn-layout';
import { createModel } from '../../src/train/model/build';
import { parseOptimizerConfig } from '../../src/train/optim/config';
import { parseSchedulerConfig } from '../../src/train/schedule/config';
import { toTensorRecord } from '../../src/train/tensor-record';
import { batchNorm, burnRecord, constantModule, conv2d, type De, linear, type Param, struct } from './burn-serde';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A stored image run (8×8 RGB, 3 classes) of `model` with checkpoint 1 holding its weights. */
async function imageRun(model: RunConfig['model']): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-export-'));
  const store = new DirectoryStore(dir);
  const config: RunConfig = { ...DEFAULT_RUN_CONFIG, dataset: { type: 'images', source: 'pets.zip', size: 8, channels: 3, fit: 'crop' }, model, epochs: 2 };
  await store.write('config.json', JSON.stringify(config));
  await store.write('dataset/dataset.json', JSON.stringify({ version: 1, task: 'classification', inputShape: [8, 8, 3], outputs: 3, card: {} }));
  const m = createModel(model, { inputShape: [8, 8, 3], outputs: 3 }, 4);
  const weights = await Promise.all(m.trainableWeights.map((w) => toTensorRecord(w.originalName, w.read())));
  await new LearnerCheckpointer(store, { keep: () => [1] }).save(1, {
    model: weights,
    optim: { type: 'adam', config: parseOptimizerConfig({ type: 'adam' }), step: 0, slots: {} },
    scheduler: { config: parseSchedulerConfig({ type: 'constant', lr: 0.001 }), step: 0 },
    progress: { epoch: 1, globalStep: 0, dataOrder: { seed: 0, shuffle: true }, rng: { s: 1 } },
    layout: burnLayoutOf(m),
  });
  m.dispose();
  return dir;
}

/** The model struct's fields and types, as model.rs declares them. */
function structFields(rs: string): [string, string][] {
  const body = /pub struct Model<B: Backend> \{\n([^}]*)\}/.exec(rs)![1];
  return [...body.matchAll(/pub (\w+): ([\w<>, ]+),/g)].map((m) => [m[1], m[2]]);
}

/** Burn's record type of each module type model.rs uses (0.19's form). */
const RECORDS: { [type: string]: De<unknown> } = {
  'Linear<B>': linear,
  'Conv2d<B>': conv2d('0.19'),
  'BatchNorm<B>': batchNorm,
  MaxPool2d: constantModule,
  AvgPool2d: constantModule,
  Dropout: constantModule,
};

describe('npm run export --format burn', () => {
  it('writes_model_rs_whose_struct_reads_the_record_it_writes', async () => {
    const run = await imageRun({ type: 'cnn', filters: [2, 3], dense: 4 });
    const out = mkdtempSync(join(tmpdir(), 'kiln-burn-'));
    const files = await exportRun({ run, format: 'burn', out });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['model.rs', 'model.mpk.gz', 'README.md']);
    const rs = readFileSync(join(out, 'model.rs'), 'utf8');
    const fields = structFields(rs);
    expect(fields).toEqual([
      ['conv1', 'Conv2d<B>'],
      ['pool1', 'MaxPool2d'],
      ['conv2', 'Conv2d<B>'],
      ['pool2', 'MaxPool2d'],
      ['dense1', 'Linear<B>'],
      ['output', 'Linear<B>'],
    ]);
    expect(rs).toContain('conv1: Conv2dConfig::new([3, 2], [3, 3]).with_padding(PaddingConfig2d::Same).init(device)');
    expect(rs).toContain('dense1: LinearConfig::new(12, 4).init(device)');
    expect(rs).toContain('let x = x.flatten::<2>(1, 3);');
    // The record decodes as the struct's record; its weights are the checkpoint's, in Burn's layout.
    const exported = burnRecord(struct(Object.fromEntries(fields.map(([f, t]) => [f, RECORDS[t]]))), new Uint8Array(readFileSync(join(out, 'model.mpk.gz'))));
    const stored = burnRecord(
      struct(Object.fromEntries(fields.map(([f, t]) => [f, RECORDS[t]]))),
      new Uint8Array(readFileSync(join(run, 'checkpoint/model-1.mpk.gz'))),
    );
    const params = (r: typeof exported) =>
      Object.values(r.item as { [k: string]: { [k: string]: Param } | null }).flatMap((m) => (m ? Object.values(m).filter((p) => p && 'id' in p) : []));
    expect(params(exported)).toEqual(params(stored));
    expect(params(exported)).toHaveLength(8);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('input.permute([0, 3, 1, 2])');
  });

  it('names_the_layer_burn_cannot_express', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'down' }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ units: 2, name: 'output' }),
      ],
    });
    expect(() => modelRs(m, new Map(), 2)).toThrow(BurnExportError);
    expect(() => modelRs(m, new Map(), 2)).toThrow("down: 'same' padding with a 3×3 window and stride 2×2 has no Burn equivalent");
    m.dispose();
  });

  it('refuses_a_bad_flag_with_status_2_and_one_line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/export.ts', '--run', 'x', '--format', 'tflite', '--out', 'y'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("export: --format: a format of tfjs, onnx, burn (got 'tflite')\n");
    const missing = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/export.ts', '--format', 'burn', '--out', 'y'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('--run');
  });
});
