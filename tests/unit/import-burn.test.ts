import 'fake-indexeddb/auto';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KilnDb } from '../../src/store/idb';
import { exportArtifacts, importArchive, importFolder } from '../../src/worker/artifacts';
import { openRun } from '../../src/worker/browse';
import { burnRunZip } from '../fixtures/burn-run';

const kiln = await KilnDb.open();

describe('importing a burn-train run', () => {
  it('opens_with_its_charts_burns_metric_names_and_final_epoch_values', async () => {
    const run = await importArchive(kiln, 'mnist-burn.zip', burnRunZip());
    expect(run).toMatchObject({ name: 'mnist-burn (Burn run)', epochs: 2, epochsDone: 2, checkpoints: [], status: 'done' });
    expect(run.message).toContain('left out 2 other files (config.json, model.mpk)');
    const opened = await openRun(kiln, run.id);
    expect(opened.config).toBeNull();
    const series = Object.fromEntries(opened.series.map((s) => [s.name, s]));
    expect(Object.keys(series).sort()).toEqual(['Learning Rate', 'Loss', 'Precision @ TopK(1) [Macro]', 'Top-K Accuracy @ TopK(5)']);
    // The epoch point is Burn's `final` value; the iterations are the other lines.
    expect(series.Loss.train.epochY).toEqual([2, 1]);
    expect(series.Loss.train.y).toEqual([2.25, 1.75, 1.5, 0.5]);
    expect(series.Loss.valid.epochY).toEqual([1.8, 1.2]);
    expect(series['Precision @ TopK(1) [Macro]'].valid.y).toEqual([70.5, 71.5]);
    expect(series['Learning Rate'].train.epochY).toEqual([0.001]);
    expect(opened.log).toHaveLength(1);
    expect(opened.files.map((f) => f.path)).toContain('checkpoint/model-2.mpk');
  });

  it('refuses_a_zip_that_is_neither_naming_what_is_missing_and_stores_nothing', async () => {
    const before = (await kiln.runs()).length;
    const zip = zipSync({ 'photos/cat.png': strToU8('png'), 'notes.txt': strToU8('hi') });
    await expect(importArchive(kiln, 'holiday.zip', zip)).rejects.toThrow(
      "holiday.zip: neither a Kiln run nor a Burn run: it has no kiln.json (a Kiln export's manifest) and no metric logs train/epoch-N/<Metric>.log or valid/epoch-N/<Metric>.log",
    );
    expect((await kiln.runs()).length).toBe(before);
  });

  it('refuses_a_burn_log_with_a_bad_line_naming_the_entry_and_line', async () => {
    const zip = zipSync({ 'train/epoch-1/Loss.log': strToU8('0.5,64\nzero,64\n') });
    await expect(importArchive(kiln, 'bad.zip', zip)).rejects.toThrow("bad.zip: train/epoch-1/Loss.log:2: not a metric line: 'zero,64'");
  });
});

describe('importing a dropped folder', () => {
  /** The files of a zip as a dropped folder gives them: paths from the folder's name on, as Blobs. */
  const folder = (name: string, zip: Uint8Array) =>
    Object.entries(unzipSync(zip)).map(([path, data]) => ({ path: path.startsWith(`${name}/`) ? path : `${name}/${path}`, file: new Blob([data]) }));

  it('imports_a_burn_artifact_folder', async () => {
    const run = await importFolder(kiln, 'mnist-burn', folder('mnist-burn', burnRunZip()));
    expect(run).toMatchObject({ name: 'mnist-burn (Burn run)', epochs: 2 });
    expect((await openRun(kiln, run.id)).series.map((s) => s.name)).toContain('Top-K Accuracy @ TopK(5)');
  });

  it('a_burn_runs_export_is_its_artifact_folder_again_and_a_folder_that_is_neither_is_refused', async () => {
    const run = await importArchive(kiln, 'mnist-burn.zip', burnRunZip());
    const exported = await exportArtifacts(kiln, run.id, 'run');
    const zip = new Uint8Array(await new Blob(exported.parts).arrayBuffer());
    expect(Object.keys(unzipSync(zip))).not.toContain('kiln.json');
    const again = await importFolder(kiln, 'export', folder('export', zip));
    expect(again).toMatchObject({ name: 'export (Burn run)', epochs: 2 });
    await expect(importFolder(kiln, 'photos', [{ path: 'photos/cat.png', file: new Blob(['png']) }])).rejects.toThrow(
      'photos: neither a Kiln run nor a Burn run',
    );
  });
});

describe('importing a run folder of the CLI', () => {
  it('a_cli_run_folder_imports_as_a_kiln_run_that_resumes_and_a_burn_config_keeps_a_burn_run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-run-'));
    try {
      const r = spawnSync('npx', ['tsx', 'src/cli/train.ts', '--dataset', 'iris', '--epochs', '2', '--out', dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const files = readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const path = relative(dir, join(e.parentPath, e.name));
          return { path: `iris-cli/${path}`, file: new Blob([readFileSync(join(dir, path))]) };
        });
      expect(files.map((f) => f.path)).not.toContain('iris-cli/kiln.json');
      const run = await importFolder(kiln, 'iris-cli', files);
      expect(run).toMatchObject({ epochs: 2, epochsDone: 2, checkpoints: [1, 2], dataset: 'Iris' });
      expect(run.name).toMatch(/^iris-cli/);
      const opened = await openRun(kiln, run.id);
      expect(opened.config?.dataset).toEqual({ type: 'iris' });
      expect(opened.series.map((s) => s.name)).toContain('Loss');
      // A Burn run whose example wrote its own config.json is still a Burn run.
      const burn = Object.entries(unzipSync(burnRunZip())).filter(([path]) => !path.endsWith('model.mpk'));
      expect(burn.map(([path]) => path)).toContain('mnist-burn/config.json');
      const dropped = burn.map(([path, data]) => ({ path, file: new Blob([data]) }));
      expect(await importFolder(kiln, 'mnist-burn', dropped)).toMatchObject({ name: 'mnist-burn (Burn run)' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
