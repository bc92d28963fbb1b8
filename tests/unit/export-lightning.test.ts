import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainArgs } from '../../src/cli/args';
import { exportRun } from '../../src/cli/export-run';
import { train } from '../../src/cli/train-run';
import { DirectoryStore } from '../../src/store/node-dir';
import { readDroppedRun } from '../../src/store/dropped-run';
import { LearnerCheckpointer } from '../../src/train/checkpoint/learner';
import { KeepLastNCheckpoints } from '../../src/train/checkpoint/strategy/last-n';
import { lrAt } from '../../src/train/schedule/schedulers';
import { Rng } from '../../src/util/rng';
import { checkImport } from '../../src/worker/import-check';

// The Lightning project's Python runs here without torch or Lightning (CI has neither): what it
// computes and writes is checked against Kiln's own code. A GPU run with Lightning is recorded in
// bench/RESULTS.md.

const dir = mkdtempSync(join(tmpdir(), 'kiln-lightning-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `n` rows: two numeric columns (one with gaps), a categorical one, the class. */
function tableCsv(n: number): string {
  const rng = new Rng(21);
  const lines = ['a,b,kind,label'];
  for (let i = 0; i < n; i++) {
    const a = Math.round(rng.next() * 1000) / 100;
    const b = rng.next() < 0.1 ? 'NA' : String(Math.round(rng.next() * 300) / 100);
    const kind = ['x', 'y', 'z'][Math.floor(rng.next() * 3)];
    lines.push(`${a},${b},${kind},${a > 5 ? (kind === 'z' ? 'high-z' : 'high') : 'low'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every file under `root`, as a dropped folder gives them. */
function folderFiles(root: string): { name: string; data: Uint8Array }[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  return walk(root).map((p) => ({ name: relative(root, p), data: new Uint8Array(readFileSync(p)) }));
}

describe('npm run export --format lightning', () => {
  it('writes_a_project_whose_python_orders_schedules_splits_and_records_as_kiln_does', async () => {
    const csv = join(dir, 'table.csv');
    writeFileSync(csv, tableCsv(240));
    const run = join(dir, 'run');
    const flags = ['--dataset', 'csv', '--file', csv, '--label', 'label', '--missing', 'fill', '--epochs', '3', '--batch-size', '16'];
    (await train(parseTrainArgs([...flags, '--grad-accumulation', '2', '--schedule', 'cosine', '--lr', '0.02', '--out', run]))).dispose();
    const project = join(dir, 'project');
    const files = await exportRun({ run, checkpoint: 2, format: 'lightning', out: project });
    const names = files.map((f) => relative(project, f)).sort();
    expect(names).toEqual(
      [
        'README.md',
        'data.py',
        'data/data.mpk.gz',
        'data/dataset.json',
        'kiln_logger.py',
        'kiln_msgpack.py',
        'kiln_run.py',
        'model.py',
        'model.safetensors',
        'optimizer.safetensors',
        'run.json',
        'train.py',
      ].sort(),
    );
    const compiled = spawnSync('python3', ['-m', 'py_compile', ...names.filter((n) => n.endsWith('.py')).map((n) => join(project, n))], { encoding: 'utf8' });
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toContain('python train.py --devices 1');

    const numbers = [0.1, 25, 1e-7, 0.000001, 1.2066727876663208, 1e21, 123456789012345680000, -0.5, 71.42857142857143, 5e-324];
    const out = join(dir, 'lightning-run');
    const r = spawnSync('python3', ['tests/unit/lightning_numpy.py', project, out, csv, JSON.stringify(numbers)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!);

    // Kiln's batch order of the next epochs, its learning rates at each step, its number printing.
    const store = new DirectoryStore(run);
    const records = await new LearnerCheckpointer(store, new KeepLastNCheckpoints(3)).load(2);
    const items = got.orders['3'].length;
    for (const e of [3, 4]) {
      const order = Rng.derive(records.progress.dataOrder.seed!, e).shuffle(Int32Array.from({ length: items }, (_, i) => i));
      expect(got.orders[String(e)]).toEqual(Array.from(order));
    }
    expect(records.scheduler.config.type).toBe('cosine');
    expect(got.lrs).toEqual(got.lrs.map((_: number, s: number) => lrAt(records.scheduler.config, s)));
    expect(got.numbers).toEqual(numbers.map(String));

    // --data with the run's own table: the stored split again, row for row.
    for (const side of ['train', 'valid']) {
      expect(got.dataSplit[side].sameLabels).toBe(true);
      expect(got.dataSplit[side].maxDiff).toBeLessThan(1e-6);
    }
    // Two devices, batches of 3 of 4 items: [0, 1, 2] then [3]; the second device's empty share is item 3, marked.
    expect(got.shares).toEqual([
      [[0, 1], [3]],
      [[2], [-4]],
    ]);

    // The records the project writes import into the studio and load as the checkpoint they came from.
    const files2 = folderFiles(out);
    const dropped = await readDroppedRun({ names: files2.map((f) => f.name), read: async (keep) => files2.filter((f) => keep(f.name)) }, 'lightning-run.zip');
    expect(dropped.kind).toBe('kiln');
    if (dropped.kind !== 'kiln') throw new Error('a Kiln run');
    expect(checkImport('lightning-run.zip', dropped.manifest, dropped.files).checkpoints).toEqual([3]);
    const back = await new LearnerCheckpointer(new DirectoryStore(out), new KeepLastNCheckpoints(3)).load(3);
    expect(back.model.map((w) => [w.name, Array.from(w.data)])).toEqual(records.model.map((w) => [w.name, Array.from(w.data)]));
    expect(back.optim.step).toBe(records.optim.step);
    for (const slot of ['m', 'v'])
      expect(back.optim.slots[slot].map((t) => Array.from(t.data))).toEqual(records.optim.slots[slot].map((t) => Array.from(t.data)));
    expect(back.scheduler).toEqual(records.scheduler);
    expect(back.progress).toEqual({ ...records.progress, epoch: 3 });
  }, 120_000);
});
