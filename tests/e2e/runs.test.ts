import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync, zipSync, strToU8 } from 'fflate';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { burnRunZip } from '../fixtures/burn-run';
import { openStudio, startRun, statusMatches } from './browser';

const url = inject('studioUrl');

/** Clicks a button that starts a download and returns the file's name and bytes. */
async function downloadOf(page: Page, action: string | (() => Promise<unknown>)): Promise<{ name: string; bytes: Uint8Array }> {
  const act = typeof action === 'string' ? () => page.getByRole('button', { name: action }).click() : action;
  const [download] = await Promise.all([page.waitForEvent('download'), act()]);
  return { name: download.suggestedFilename(), bytes: new Uint8Array(readFileSync((await download.path())!)) };
}

/** Imports a zip through the file picker and returns what the studio said. */
async function importZip(page: Page, name: string, bytes: Uint8Array): Promise<string> {
  await page.getByRole('tab', { name: /Runs/ }).click();
  await page.getByLabel('Import run or checkpoint (.zip)').setInputFiles({ name, mimeType: 'application/zip', buffer: Buffer.from(bytes) });
  const outcome = page.locator('.notice', { hasText: /^Imported/ }).or(page.getByRole('alert'));
  await outcome.first().waitFor({ timeout: 60_000 });
  return outcome.first().innerText();
}

const chartPoints = async (page: Page, split: 'train' | 'valid') => Number(await page.getByLabel('Loss chart').getAttribute(`data-${split}-points`));

describe('stored runs', () => {
  it('reload_keeps_runs_and_charts_and_the_export_holds_exactly_the_layout', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      await startRun(page, { samples: 200, epochs: 2, backend: 'cpu' });
      await statusMatches(page, /Done/);
      const live = await chartPoints(page, 'train');
      await page.reload();
      await page.getByRole('tab', { name: 'Runs (1)' }).click();
      const run = page.getByRole('button', { name: /^Open MNIST 200 · MLP 128/ });
      await run.click();
      await page.getByLabel('Run artifacts').waitFor();
      expect(await chartPoints(page, 'train')).toBe(live); // rebuilt from the stored logs
      expect(await chartPoints(page, 'valid')).toBeGreaterThan(0);
      const summary = await page.getByLabel('Learner summary').innerText();
      expect(summary).toContain('Learner summary: 2 epochs');
      expect(summary).toMatch(/Valid\s+Accuracy/);

      const { name, bytes } = await downloadOf(page, 'Export run');
      expect(name).toMatch(/\.zip$/);
      const files = Object.keys(unzipSync(bytes)).sort();
      const metrics = (split: string, e: number, names: string[]) => names.map((m) => `${split}/epoch-${e}/${m}.log`);
      const expected = [
        'kiln.json',
        'config.json',
        'experiment.log',
        ...[1, 2].flatMap((e) => ['model', 'optim', 'scheduler'].map((k) => `checkpoint/${k}-${e}.mpk.gz`)),
        ...[1, 2].flatMap((e) => [
          ...metrics('train', e, ['Accuracy', 'Iteration_Speed', 'Learning_Rate', 'Loss', 'Tensor_Count']),
          ...metrics('valid', e, ['Accuracy', 'Loss']),
          `valid/epoch-${e}/ConfusionMatrix.json`,
        ]),
      ].sort();
      expect(files).toEqual(expected);
      const lines = strFromU8(unzipSync(bytes)['train/epoch-1/Loss.log']).trim().split('\n');
      expect(lines).toHaveLength(5); // 160 train items at batch 32

      // The exported model is the TensorFlow.js layers format that tf.loadLayersModel reads.
      const exportAs = (format: string) => downloadOf(page, () => page.getByLabel('Export model 2 as').selectOption(format));
      const exported = unzipSync((await exportAs('tfjs')).bytes);
      const json = JSON.parse(strFromU8(exported['model.json']));
      expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
      const w = exported['weights.bin'];
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength),
        }),
      );
      expect(model.countParams()).toBe(101_770);
      expect((model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor).shape).toEqual([1, 10]);
      // The same menu's other formats: ONNX as its one file, the others as zips of their files.
      const onnx = await exportAs('onnx');
      expect(onnx.name).toMatch(/-epoch-2-model\.onnx$/);
      expect(onnx.bytes.length).toBeGreaterThan(101_770 * 4);
      expect(Object.keys(unzipSync((await exportAs('safetensors')).bytes)).sort()).toEqual(['model.py', 'model.safetensors']);
      expect(Object.keys(unzipSync((await exportAs('burn')).bytes)).sort()).toEqual(['README.md', 'model.mpk.gz', 'model.rs']);
      await page.getByText('Continue on PyTorch Lightning…').click();
      const project = await downloadOf(page, 'Download the project (checkpoint 2)');
      expect(Object.keys(unzipSync(project.bytes))).toEqual(expect.arrayContaining(['README.md', 'train.py', 'model.py', 'data.py']));
    } finally {
      await context.close();
    }
  }, 240_000);

  it('a_checkpoint_archive_imported_into_a_fresh_profile_resumes_training', async () => {
    const first = await openStudio(url, false);
    let archive: { name: string; bytes: Uint8Array };
    try {
      await startRun(first.page, { samples: 200, epochs: 1, backend: 'cpu' });
      await statusMatches(first.page, /Done/);
      await first.page.getByRole('tab', { name: /Runs/ }).click();
      await first.page.getByRole('button', { name: /^Open / }).click();
      archive = await downloadOf(first.page, 'Download checkpoint 1');
    } finally {
      await first.context.close();
    }
    expect(Object.keys(unzipSync(archive.bytes)).sort()).toEqual([
      'checkpoint/model-1.mpk.gz',
      'checkpoint/optim-1.mpk.gz',
      'checkpoint/scheduler-1.mpk.gz',
      'config.json',
      'kiln.json',
    ]);

    const fresh = await openStudio(url, false);
    try {
      expect(await importZip(fresh.page, archive.name, archive.bytes)).toMatch(/^Imported .* as “MNIST 200 · MLP 128 relu · adam 0\.001”/);
      await fresh.page.getByRole('button', { name: /^Open MNIST 200 · / }).click();
      await fresh.page.getByLabel('Train until epoch').fill('2');
      // The run was done when it was exported, and imports as done: the status says Done before the resume too.
      expect(await fresh.page.locator('.runs li .badge').allInnerTexts()).toEqual(['done', 'imported']);
      await fresh.page.getByRole('button', { name: 'Resume from epoch 1' }).click();
      await fresh.page.getByLabel('Experiment log').filter({ hasText: 'resumed from checkpoint 1' }).waitFor({ timeout: 120_000 });
      await statusMatches(fresh.page, /Done/);
      const log = await fresh.page.getByLabel('Experiment log').innerText();
      expect(log).toContain('resumed from checkpoint 1');
      expect(log).toMatch(/training ended after epoch 2: completed/);
      expect(await chartPoints(fresh.page, 'train')).toBe(5); // epoch 2 only: the archive held no logs
    } finally {
      await fresh.context.close();
    }
  }, 240_000);

  it('refuses_malicious_or_mismatched_archives_and_stores_nothing', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      const manifest = (version = 1) => strToU8(JSON.stringify({ format: 'kiln.archive', version, kind: 'run', name: 'x', createdAt: '' }));
      const cases: [string, Record<string, Uint8Array>, RegExp][] = [
        ['escape.zip', { 'kiln.json': manifest(), '../evil.log': strToU8('x') }, /escape\.zip: '\.\.\/evil\.log' is not a path of a run's artifact layout/],
        ['absolute.zip', { 'kiln.json': manifest(), '/etc/passwd': strToU8('x') }, /absolute\.zip: '\/etc\/passwd' is not a path/],
        [
          'future.zip',
          { 'kiln.json': manifest(9), 'config.json': strToU8('{}') },
          /future\.zip: kiln\.json: archive format version 9; this version of Kiln reads version 1/,
        ],
        ['no-manifest.zip', { 'experiment.log': strToU8('x') }, /no-manifest\.zip: neither a Kiln run nor a Burn run: it has no kiln\.json/],
        ['not-a-zip.zip', {}, /not a readable zip archive|no kiln\.json/],
      ];
      for (const [name, files, message] of cases) {
        const bytes = name === 'not-a-zip.zip' ? strToU8('this is not a zip') : zipSync(files);
        expect(await importZip(page, name, bytes)).toMatch(message);
        await page.reload();
      }
      // Records that do not fit the model the config builds: a run of another architecture.
      await startRun(page, { samples: 100, epochs: 1, backend: 'cpu' });
      await statusMatches(page, /Done/);
      await page.getByRole('tab', { name: /Runs/ }).click();
      await page.getByRole('button', { name: /^Open / }).click();
      const archive = await downloadOf(page, 'Download checkpoint 1');
      const entries = unzipSync(archive.bytes);
      const config = JSON.parse(strFromU8(entries['config.json']));
      entries['config.json'] = strToU8(JSON.stringify({ ...config, model: { ...config.model, hidden: [64] } }));
      expect(await importZip(page, 'other-model.zip', zipSync(entries))).toMatch(
        /other-model\.zip: checkpoint\/model-1\.mpk\.gz: unpacks to \d+ bytes, more than the \d+ that the weights of the config's model can take: it is a record of another model/,
      );
      await page.getByRole('tab', { name: /Runs/ }).click();
      expect(await page.getByRole('tab', { name: 'Runs (1)' }).count()).toBe(1); // nothing was added
    } finally {
      await context.close();
    }
  }, 240_000);

  it('a_zipped_burn_run_opens_with_its_charts_and_an_unrelated_zip_names_what_is_missing', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      expect(await importZip(page, 'mnist-burn.zip', burnRunZip())).toMatch(/Imported mnist-burn\.zip/);
      await page.getByRole('button', { name: /^Open mnist-burn \(Burn run\)/ }).click();
      await page.getByLabel('Run artifacts').waitFor();
      expect(await chartPoints(page, 'train')).toBe(4);
      expect(await chartPoints(page, 'valid')).toBe(2);
      await page.getByLabel('Top-K Accuracy @ TopK(5) chart').waitFor();
      const details = await page.getByLabel('Run artifacts').innerText();
      expect(details).toMatch(/Train\s+Top-K Accuracy @ TopK\(5\)\s+85\.00\s+1\s+96\.00\s+2/); // Burn's final values per epoch
      expect(details).toContain('Files (12)');
      // The same run as a folder, through the folder picker.
      const dir = join(mkdtempSync(join(tmpdir(), 'kiln-burn-')), 'mnist-burn');
      for (const [path, data] of Object.entries(unzipSync(burnRunZip()))) {
        mkdirSync(dirname(join(dirname(dir), path)), { recursive: true });
        writeFileSync(join(dirname(dir), path), data);
      }
      await page.getByLabel("Import a run folder (Burn's artifact folder)").setInputFiles(dir);
      await page.locator('.notice', { hasText: /^Imported mnist-burn as/ }).waitFor({ timeout: 60_000 });
      const holiday = zipSync({ 'photos/cat.png': strToU8('png') });
      expect(await importZip(page, 'holiday.zip', holiday)).toMatch(
        /holiday\.zip: neither a Kiln run nor a Burn run: it has no kiln\.json .* and no metric logs train\/epoch-N\/<Metric>\.log/,
      );
    } finally {
      await context.close();
    }
  }, 120_000);

  it('a_tab_killed_mid_epoch_leaves_an_interrupted_run_that_resumes', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      await startRun(page, { samples: 600, epochs: 50, backend: 'cpu' });
      await page.getByLabel('Experiment log').filter({ hasText: 'saved checkpoint 2' }).waitFor({ timeout: 120_000 });
      const cdp = await context.newCDPSession(page);
      // The renderer dies with its worker; the command itself never gets an answer.
      const crashed = page.waitForEvent('crash');
      void cdp.send('Page.crash').catch(() => {});
      await crashed;
      const reopened = await context.newPage();
      await reopened.goto(url);
      await reopened.getByRole('tab', { name: 'Runs (1)' }).click();
      const item = reopened.locator('.runs li');
      await item.filter({ hasText: 'interrupted' }).waitFor({ timeout: 30_000 });
      expect(await item.innerText()).toMatch(/the tab closed during epoch \d+; completed epochs and checkpoints are kept/);
      await reopened.getByRole('button', { name: /^Open / }).click();
      const resume = reopened.getByRole('button', { name: /^Resume from epoch \d+$/ }).last();
      const epoch = Number((await resume.innerText()).match(/\d+/)![0]);
      expect(epoch).toBeGreaterThanOrEqual(2);
      await reopened.getByLabel('Train until epoch').fill(String(epoch + 1));
      await resume.click();
      await statusMatches(reopened, /Done/);
      expect(await reopened.getByLabel('Experiment log').innerText()).toContain(`resumed from checkpoint ${epoch}`);
    } finally {
      await context.close();
    }
  }, 300_000);
});

describe('folder mirror', () => {
  it('mirrors_a_new_run_into_the_chosen_folder_with_the_same_layout', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      // The origin-private file system stands in for the folder a person would pick.
      await page.evaluate(() => {
        (window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker = () => navigator.storage.getDirectory();
      });
      await page.getByRole('tab', { name: 'Storage' }).click();
      await page.getByRole('button', { name: 'Mirror new runs to a folder…' }).click();
      await page.getByText('New runs are mirrored to the folder').waitFor();
      await startRun(page, { samples: 100, epochs: 1, backend: 'cpu' });
      await statusMatches(page, /Done/);
      await page.waitForTimeout(500); // the mirror trails the store by a write or two
      const files = await page.evaluate(async () => {
        const out: [string, number][] = [];
        const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
          for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
            if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
            else out.push([`${prefix}${name}`, (await (handle as FileSystemFileHandle).getFile()).size]);
          }
        };
        await walk(await navigator.storage.getDirectory(), '');
        return out;
      });
      const paths = files.map(([p]) => p.replace(/^run-[^/]+\//, '')).sort();
      expect(paths).toEqual([
        'checkpoint/model-1.mpk.gz',
        'checkpoint/optim-1.mpk.gz',
        'checkpoint/scheduler-1.mpk.gz',
        'config.json',
        'experiment.log',
        'train/epoch-1/Accuracy.log',
        'train/epoch-1/Iteration_Speed.log',
        'train/epoch-1/Learning_Rate.log',
        'train/epoch-1/Loss.log',
        'train/epoch-1/Tensor_Count.log',
        'valid/epoch-1/Accuracy.log',
        'valid/epoch-1/ConfusionMatrix.json',
        'valid/epoch-1/Loss.log',
      ]);
      for (const [, size] of files) expect(size).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  }, 120_000);
});
