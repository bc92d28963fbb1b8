import 'fake-indexeddb/auto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parseTable } from '../../src/data/table/index';
import { loadModel, predict, tableInputs } from '../../src/infer/index';
import { zipArchive } from '../../src/store/archive';
import { KilnDb } from '../../src/store/idb';
import { exportArtifacts, importArchive } from '../../src/worker/artifacts';

// The studio's "Export model" downloads, as the worker builds them, of an Iris run (the v1 fixture).

const FIXTURE = join(import.meta.dirname, '../fixtures/kiln-v1-iris');
const files = (dir: string): { path: string; data: Uint8Array }[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name !== 'README.md')
    .map((e) => ({ path: relative(FIXTURE, join(e.parentPath, e.name)), data: new Uint8Array(readFileSync(join(e.parentPath, e.name))) }));

async function importedRun(kiln: KilnDb): Promise<string> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  await zipArchive({ format: 'kiln.archive', version: 1, kind: 'run', name: 'iris', createdAt: '2026-01-01T00:00:00Z' }, files(FIXTURE), (p) =>
    parts.push(p.slice()),
  );
  return (await importArchive(kiln, 'iris.zip', new Uint8Array(await new Blob(parts).arrayBuffer()))).id;
}

const bytesOf = async (parts: ArrayBuffer[]) => new Uint8Array(await new Blob(parts).arrayBuffer());

describe('the studio exports a checkpoint model', async () => {
  const kiln = await KilnDb.open();
  const runId = await importedRun(kiln);

  it('as_onnx_one_model_file_whose_probabilities_are_predicts', async () => {
    const download = await exportArtifacts(kiln, runId, 'model', 2, undefined, 'onnx');
    expect(download.fileName).toBe('iris-epoch-2-model.onnx');
    const csv = 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n6.7,3.0,5.2,2.3,virginica\n';
    const loaded = await loadModel(kiln.store(runId), 2);
    const inputs = tableInputs(loaded, parseTable(new TextEncoder().encode(csv), { fileName: 'rows.csv' }));
    const expected = await predict(loaded, inputs.x, inputs.rows);
    loaded.model.dispose();
    if (expected.task !== 'classification') throw new Error('a classifier');
    const session = await ort.InferenceSession.create(await bytesOf(download.parts));
    const raw = new ort.Tensor('float32', Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]), [2, 4]);
    const got = (await session.run({ columns: raw }))[session.outputNames[0]!]!.data as Float32Array;
    await session.release();
    expect(got).toHaveLength(6);
    got.forEach((p, i) => expect(p).toBeCloseTo(expected.probabilities[i]!, 5));
  });

  it('as_tfjs_and_burn_zips_of_their_files', async () => {
    const tfjs = await exportArtifacts(kiln, runId, 'model', 2, undefined, 'tfjs');
    expect(tfjs.fileName).toBe('iris-epoch-2-tfjs-model.zip');
    expect(Object.keys(unzipSync(await bytesOf(tfjs.parts))).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    const burn = await exportArtifacts(kiln, runId, 'model', 2, undefined, 'burn');
    expect(burn.fileName).toBe('iris-epoch-2-burn-model.zip');
    const unzipped = unzipSync(await bytesOf(burn.parts));
    expect(Object.keys(unzipped).sort()).toEqual(['README.md', 'model.mpk.gz', 'model.rs']);
    expect(strFromU8(unzipped['model.rs']!)).toContain('#[derive(Module, Debug)]');
  });

  it('as_safetensors_and_lightning_zips_of_their_files', async () => {
    const torch = await exportArtifacts(kiln, runId, 'model', 2, undefined, 'safetensors');
    expect(torch.fileName).toBe('iris-epoch-2-safetensors-model.zip');
    expect(Object.keys(unzipSync(await bytesOf(torch.parts))).sort()).toEqual(['model.py', 'model.safetensors']);
    const lightning = await exportArtifacts(kiln, runId, 'model', 2, undefined, 'lightning');
    const unzipped = unzipSync(await bytesOf(lightning.parts));
    expect(Object.keys(unzipped).sort()).toEqual(
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
    // The worker bundles the project's Python as the files are.
    expect(strFromU8(unzipped['train.py']!)).toBe(readFileSync(join(import.meta.dirname, '../../src/export/lightning/train.py'), 'utf8'));
  });

  it('refuses_a_checkpoint_the_run_does_not_have', async () => {
    await expect(exportArtifacts(kiln, runId, 'model', 7, undefined, 'onnx')).rejects.toThrow("run 'iris' has no checkpoint 7");
  });
});
