import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DirectoryStore } from '../../src/store/node-dir';
import { LearnerCheckpointer } from '../../src/train/checkpoint/learner';
import { KeepLastNCheckpoints } from '../../src/train/checkpoint/strategy/last-n';

/** Runs `npm run train -- ...` as a separate process, as a user would. */
function train(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const base = ['--dataset', 'mnist', '--model', 'mlp', '--batch-size', '50', '--seed', '3'];
const common = [...base, '--limit', '1000'];
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

/** Every file under dir, relative, sorted. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(dir, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

describe('train command', () => {
  it('trains_mnist_writes_the_artifact_layout_and_resumes_exactly_in_a_new_process', async () => {
    const straight = mkdtempSync(join(tmpdir(), 'kiln-straight-'));
    const split = mkdtempSync(join(tmpdir(), 'kiln-split-'));
    const a = train(...common, '--epochs', '4', '--out', straight);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toContain('Learner Summary');

    const metrics = (split: string, e: number) =>
      split === 'train'
        ? [`train/epoch-${e}/Accuracy.log`, `train/epoch-${e}/Iteration_Speed.log`, `train/epoch-${e}/Learning_Rate.log`, `train/epoch-${e}/Loss.log`]
        : [`valid/epoch-${e}/Accuracy.log`, `valid/epoch-${e}/Loss.log`];
    const ckpt = (e: number) => [`checkpoint/model-${e}.mpk.gz`, `checkpoint/optim-${e}.mpk.gz`, `checkpoint/scheduler-${e}.mpk.gz`];
    const files = tree(straight);
    // Default retention keeps the last two plus the best valid loss, which falls on a late epoch here.
    expect(files.filter((f) => f.startsWith('checkpoint/'))).toEqual([...ckpt(3), ...ckpt(4)].sort());
    for (let e = 1; e <= 4; e++) for (const f of [...metrics('train', e), ...metrics('valid', e)]) expect(files).toContain(f);
    expect(files).toContain('experiment.log');
    // 800 train items at batch 50: 16 lines an epoch, each "<value>,50".
    const loss = read(straight, 'train/epoch-1/Loss.log').trim().split('\n');
    expect(loss).toHaveLength(16);
    for (const line of loss) expect(line).toMatch(/^\d+\.\d+,50$/);
    const acc = Number(read(straight, 'valid/epoch-4/Accuracy.log').split('\n')[0].split(',')[0]);
    expect(acc).toBeGreaterThan(60); // real digits are being learned

    expect(train(...common, '--epochs', '2', '--out', split).code).toBe(0);
    const b = train(...common, '--epochs', '4', '--checkpoint', '2', '--out', split);
    expect(b.code).toBe(0);
    for (const f of [...metrics('valid', 3), ...metrics('valid', 4), 'train/epoch-4/Loss.log']) expect(read(split, f)).toBe(read(straight, f));
    const [wa, wb] = await Promise.all([straight, split].map((d) => new LearnerCheckpointer(new DirectoryStore(d), new KeepLastNCheckpoints(2)).load(4)));
    expect(wb.model.map((w) => Array.from(w.data))).toEqual(wa.model.map((w) => Array.from(w.data)));
    expect(wb.progress.globalStep).toBe(64);
    expect(read(split, 'experiment.log')).toContain('resumed from checkpoint 2 (global step 32)');
  }, 180_000);

  it('trains_on_the_wasm_backend_with_the_same_numbers_as_cpu', () => {
    const dirs = ['wasm', 'cpu'].map((b) => {
      const out = mkdtempSync(join(tmpdir(), `kiln-${b}-`));
      expect(train(...base, '--epochs', '1', '--limit', '300', '--backend', b, '--out', out).code).toBe(0);
      expect(read(out, 'experiment.log')).toContain(`backend ${b}, engine tfjs`);
      return out;
    });
    const [wasm, cpu] = dirs.map((d) =>
      read(d, 'valid/epoch-1/Loss.log')
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(l.split(',')[0])),
    );
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i], 3));
  }, 60_000);

  it('trains_on_a_csv_file_as_the_studio_prepares_it_and_names_a_missing_column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-csv-'));
    const csv = join(dir, 'houses.csv');
    const rows = Array.from(
      { length: 120 },
      (_, i) => `${30 + i},${1 + (i % 5)},${['Lyon', 'Paris'][i % 2]},${(2 * (30 + i) + 10 * (i % 5) + (i % 2) * 50) / 100}`,
    );
    writeFileSync(csv, `size,rooms,city,price\n${rows.join('\n')}\n`);
    const out = join(dir, 'run');
    const r = train('--dataset', 'csv', '--file', csv, '--epochs', '2', '--batch-size', '16', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toContain("houses.csv: 120 rows, 4 features, regression of 'price'"); // size, rooms, one-hot city
    const mae = read(out, 'valid/epoch-2/MAE.log')
      .trim()
      .split('\n')
      .map((l) => Number(l.split(',')[0]));
    expect(mae.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    const bad = train('--dataset', 'csv', '--file', csv, '--label', 'nope', '--out', join(dir, 'other'));
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('train: houses.csv: there is no column named "nope"\n');
  }, 60_000);

  it('trains_a_model_file_on_cpu_from_its_weights_from_its_topology_alone_or_as_a_layer_list', async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-model-'));
    // A small residual network for MNIST, saved as model.save writes it.
    const input = tf.input({ shape: [28, 28, 1] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'conv' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv) as tf.SymbolicTensor;
    const relu = tf.layers.reLU({ name: 'relu' }).apply(bn) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([relu, conv]) as tf.SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum) as tf.SymbolicTensor;
    const head = tf.layers.dense({ units: 10, name: 'head' }).apply(gap) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: head });
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights/net.bin'], weights: a.weightSpecs }] };
        writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
        mkdirSync(join(dir, 'weights'));
        writeFileSync(join(dir, 'weights/net.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const small = ['--dataset', 'mnist', '--limit', '100', '--batch-size', '50', '--epochs', '1'];
    const out = join(dir, 'run');
    const r = train(...small, '--model-file', join(dir, 'model.json'), '--out', out);
    expect(r.err).toBe('');
    expect(r.out).toContain(`${join(dir, 'model.json')}: 6 layers, weights for 3 layers`);
    expect(read(out, 'experiment.log')).toContain(`initial weights from ${join(dir, 'model.json')}: 3 layers loaded (conv, bn, head)`);
    const initial = await new DirectoryStore(out).read('init/model.mpk.gz');
    expect(initial).toBeDefined();
    expect(Number(read(out, 'valid/epoch-1/Loss.log').split(',')[0])).toBeGreaterThan(0);

    // Without its weights file beside it: the topology, seeded.
    const bare = join(dir, 'bare');
    mkdirSync(bare);
    copyFileSync(join(dir, 'model.json'), join(bare, 'model.json'));
    const t = train(...small, '--model-file', join(bare, 'model.json'), '--out', join(bare, 'run'));
    expect(t.code).toBe(0);
    expect(t.out).toContain('no weights files beside it: fresh seeded weights');
    expect(tree(join(bare, 'run')).some((f) => f.startsWith('init/'))).toBe(false);

    // The studio's layer list format; a stack that cannot be built is named before anything trains.
    const list = (layers: object[]) => JSON.stringify({ type: 'layers', version: 1, layers });
    writeFileSync(join(dir, 'layers.json'), list([{ type: 'Conv2D', filters: 2, strides: 2 }, { type: 'Flatten' }, { type: 'Dense', units: 10 }]));
    expect(train(...small, '--model-file', join(dir, 'layers.json'), '--out', join(dir, 'run-list')).code).toBe(0);
    writeFileSync(join(dir, 'bad.json'), list([{ type: 'Flatten' }, { type: 'Dense', units: 3 }]));
    const bad = train(...small, '--model-file', join(dir, 'bad.json'), '--out', join(dir, 'run-bad'));
    expect([bad.code, bad.err]).toEqual([
      1,
      `train: --model-file: ${join(dir, 'bad.json')}: the model's output is [3], the dataset needs [10] (10 classes): make the last Dense 10 units\n`,
    ]);
    model.dispose();
  }, 180_000);

  it('a_bad_flag_or_value_exits_non_zero_with_one_line_naming_it', () => {
    const cases: [string[], RegExp][] = [
      [['--epochs', 'abc', '--out', '/tmp/x'], /^train: --epochs: .*\(got 'abc'\)\n$/],
      [['--bogus', '1', '--out', '/tmp/x'], /^train: Unknown option '--bogus'.*\n$/],
      [['--model', 'resnet', '--out', '/tmp/x'], /^train: --model: .*mlp.*\(got 'resnet'\)\n$/],
      [['--epochs', '2'], /^train: --out: .*\n$/],
      [['--engine', 'cuda', '--out', '/tmp/x'], /^train: --engine: .*compiled.*\(got 'cuda'\)\n$/],
      [['--epochs', '-1', '--out', '/tmp/x'], /^train: --epochs: .*>=1 \(got '-1'\)\n$/],
      [['--epochs', '0x10', '--out', '/tmp/x'], /^train: --epochs: expected a decimal number \(got '0x10'\)\n$/],
      [['--epochs', '2', '--epochs', '5', '--out', '/tmp/x'], /^train: --epochs: given 2 times \('2', '5'\); give it once\n$/],
      [['--dataset', 'csv', '--out', '/tmp/x'], /^train: --file: name the CSV or TSV file to train on\n$/],
      [
        ['--model', 'cnn', '--model-file', 'm.json', '--out', '/tmp/x'],
        /^train: --model-file: give a preset \(--model\) or a model file, not both \(got 'm.json'\)\n$/,
      ],
      // Node's recursive mkdir never returns under /proc; the folder is made one level at a time.
      [['--out', '/proc/kiln-x/run'], /^train: --out: \/proc\/kiln-x\/run cannot be written \(ENOENT\)\n$/],
    ];
    for (const [args, message] of cases) {
      const r = train(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
  }, 60_000);

  it('a_fresh_run_never_writes_into_a_folder_that_holds_a_run', () => {
    const out = mkdtempSync(join(tmpdir(), 'kiln-held-'));
    const small = ['--model', 'logistic', '--limit', '200', '--batch-size', '50'];
    expect(train(...small, '--epochs', '2', '--out', out).code).toBe(0);
    const before = Object.fromEntries(tree(out).map((f) => [f, read(out, f)]));

    const again = train(...small, '--epochs', '1', '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toBe(
      `train: --out: ${out} already holds a run (checkpoints 1, 2); resume it with --checkpoint 2, pick another --out, or pass --overwrite to replace it\n`,
    );
    expect(Object.fromEntries(tree(out).map((f) => [f, read(out, f)]))).toEqual(before); // not a byte changed

    const missing = train(...small, '--epochs', '3', '--checkpoint', '5', '--out', out);
    expect([missing.code, missing.err]).toEqual([2, `train: --checkpoint: ${out} holds no checkpoint 5 (it holds checkpoints 1, 2)\n`]);

    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect(train(...small, '--epochs', '1', '--overwrite', '--out', out).code).toBe(0);
    const replaced = tree(out);
    expect(replaced.filter((f) => f.startsWith('checkpoint/'))).toEqual([
      'checkpoint/model-1.mpk.gz',
      'checkpoint/optim-1.mpk.gz',
      'checkpoint/scheduler-1.mpk.gz',
    ]);
    expect(replaced.some((f) => f.includes('epoch-2'))).toBe(false); // the old run's epoch-2 logs went with it
    expect(read(out, 'experiment.log').match(/ model: /g) ?? []).toHaveLength(1); // one run in the log, not two
    expect(read(out, 'notes.txt')).toBe('mine'); // files that are not the run's stay
  }, 120_000);
});
