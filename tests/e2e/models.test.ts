import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { openStudio, statusMatches } from './browser';

const url = inject('studioUrl');

/** The layer editor. */
const editor = (page: Page) => page.getByRole('region', { name: 'Layers' });

/** Fills the run's basic fields (a small MNIST run) without starting it. */
async function smallRun(page: Page, o: { samples: number; backend?: string }): Promise<void> {
  await page.getByLabel('Samples').fill(String(o.samples));
  await page.getByLabel('Epochs').fill('1');
  await page.getByLabel('Batch size').fill('32');
  if (o.backend) await page.getByLabel('Backend').selectOption(o.backend);
  await page.getByRole('region', { name: 'Dataset card' }).getByText('MNIST (built in)').waitFor({ timeout: 90_000 });
}

/** Adds a layer of `type` at the end and sets its settings by label. */
async function addLayer(page: Page, type: string, settings: Record<string, string> = {}): Promise<void> {
  const layers = editor(page);
  await layers.getByLabel('Layer type').selectOption(type);
  await layers.getByRole('button', { name: 'Add layer' }).click();
  const row = layers.getByRole('listitem').last();
  for (const [label, value] of Object.entries(settings)) {
    const field = row.getByLabel(label, { exact: true });
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

/** A model as `model.save` writes it, as the files a user picks: model.json and its weights file. */
async function savedModel(model: tf.LayersModel): Promise<{ name: string; mimeType: string; buffer: Buffer }[]> {
  let files: { name: string; mimeType: string; buffer: Buffer }[] = [];
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const json = { modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['./group1-shard1of1.bin'], weights: a.weightSpecs }] };
      files = [
        { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) },
        { name: 'group1-shard1of1.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(a.weightData as ArrayBuffer) },
      ];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return files;
}

describe('your own model', () => {
  it('builds_a_convnet_with_batch_norm_in_the_editor_refuses_an_impossible_stack_and_trains_it_on_webgpu', async () => {
    const { context, page, errors } = await openStudio(url, true);
    try {
      await smallRun(page, { samples: 64 });
      await page.getByLabel('Model', { exact: true }).selectOption('layers');
      const layers = editor(page);
      while ((await layers.getByRole('listitem').count()) > 0)
        await layers
          .getByRole('button', { name: /^Remove / })
          .first()
          .click();

      // Dense straight on the images: refused on its layer, and Start waits.
      await addLayer(page, 'Dense', { Units: '10' });
      await expect
        .poll(() => layers.getByRole('listitem').first().innerText())
        .toContain('Dense needs flat items; its input is [28, 28, 1]: add a Flatten or GlobalAveragePooling2D before it');
      expect(await page.getByRole('button', { name: 'Start training' }).isEnabled()).toBe(false);
      await layers.getByRole('button', { name: 'Remove dense1' }).click();

      await addLayer(page, 'Conv2D', { Filters: '4', Bias: 'false', Activation: 'linear' });
      await addLayer(page, 'BatchNormalization');
      await addLayer(page, 'Activation', { Activation: 'relu' });
      await addLayer(page, 'MaxPooling2D');
      await addLayer(page, 'Conv2D', { Filters: '8', Bias: 'false', Activation: 'linear' });
      await addLayer(page, 'BatchNormalization');
      await addLayer(page, 'Activation', { Activation: 'relu' });
      await addLayer(page, 'GlobalAveragePooling2D');
      await addLayer(page, 'Dense', { Units: '10' });
      const rows = await layers.getByRole('listitem').allInnerTexts();
      const outputs = rows.map((r) => /→ (\[[^\]]*\]) · ([\d,]+) params/.exec(r)?.slice(1));
      expect(outputs).toEqual([
        ['[28, 28, 4]', '36'],
        ['[28, 28, 4]', '16'],
        ['[28, 28, 4]', '0'],
        ['[14, 14, 4]', '0'],
        ['[14, 14, 8]', '288'],
        ['[14, 14, 8]', '32'],
        ['[14, 14, 8]', '0'],
        ['[8]', '0'],
        ['[10]', '90'],
      ]);
      expect(await layers.locator('.layer-total').innerText()).toBe('Total: 462 parameters (438 trainable)');
      // Alt+↑ moves the focused layer up (the head before the pooling is refused), Alt+↓ back.
      await layers.getByRole('listitem').last().focus();
      await page.keyboard.press('Alt+ArrowUp');
      await expect.poll(() => layers.getByRole('listitem').nth(7).innerText()).toContain('8. Dense');
      expect(await layers.getByRole('listitem').nth(7).innerText()).toContain('Dense needs flat items; its input is [14, 14, 8]');
      expect(await page.getByRole('button', { name: 'Start training' }).isEnabled()).toBe(false);
      await page.keyboard.press('Alt+ArrowDown');
      await expect.poll(() => layers.getByRole('listitem').last().innerText()).toContain('9. Dense');
      // Before Start the studio says which engine will train this model, and why not compiled.
      const planned = layers.locator('.engine-plan');
      await planned.waitFor({ timeout: 60_000 });
      const engineLine = await planned.innerText();
      expect(engineLine).toBe('Engine: compiled on webgpu');

      await page.getByRole('button', { name: 'Start training' }).click();
      const status = await statusMatches(page, /engine: /, 180_000);
      expect(status).toContain('engine: compiled');
      await page.getByLabel('Experiment log').filter({ hasText: 'saved checkpoint 1' }).waitFor({ timeout: 240_000 });
      await statusMatches(page, /Done/);

      // The run's config holds the architecture: the runs list names it, config.json has it.
      await page.getByRole('tab', { name: /^Runs/ }).click();
      const open = page.getByRole('button', { name: /^Open .* · Layers: conv 4, bn, relu, maxpool, conv 8, bn, relu, gap, dense 10/ });
      await open.click();
      const details = page.getByLabel('Run artifacts');
      await details.getByText(/^Files/).click();
      await details.getByRole('button', { name: 'config.json' }).click();
      const config = JSON.parse(await details.locator('pre').innerText());
      expect(config.model.type).toBe('layers');
      expect(config.model.layers.map((l: { type: string }) => l.type)).toEqual([
        'Conv2D',
        'BatchNormalization',
        'Activation',
        'MaxPooling2D',
        'Conv2D',
        'BatchNormalization',
        'Activation',
        'GlobalAveragePooling2D',
        'Dense',
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 420_000);

  it('fine_tunes_an_imported_model_json_with_its_weights_and_refuses_one_with_a_layer_it_cannot_train', async () => {
    await tf.setBackend('cpu');
    const { context, page, errors } = await openStudio(url, false);
    try {
      await smallRun(page, { samples: 64, backend: 'cpu' });
      const layers = editor(page);
      const picker = page.getByLabel('Model files (model.json and weights)');

      const transposed = tf.sequential({
        layers: [
          tf.layers.conv2dTranspose({ inputShape: [28, 28, 1], filters: 2, kernelSize: 2, name: 'up' }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10 }),
        ],
      });
      await picker.setInputFiles(await savedModel(transposed));
      await expect
        .poll(() => layers.getByRole('alert').innerText())
        .toMatch(/^model\.json: layer 'up' \(Conv2DTranspose\): Conv2DTranspose layers cannot be trained here/);

      const mlp = tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [28, 28, 1], name: 'flat' }),
          tf.layers.dense({ units: 16, activation: 'relu', name: 'hidden' }),
          tf.layers.dense({ units: 10, name: 'head' }),
        ],
      });
      await picker.setInputFiles(await savedModel(mlp));
      await expect.poll(() => layers.innerText()).toContain('Weights from model.json: 2 of 2 layers');
      expect(await layers.getByRole('listitem').allInnerTexts()).toEqual([
        expect.stringContaining('→ [784] · 0 params'),
        expect.stringMatching(/→ \[16\] · 12,560 params · imported weights/),
        expect.stringMatching(/→ \[10\] · 170 params · imported weights/),
      ]);
      expect(await page.getByLabel('Model', { exact: true }).inputValue()).toBe('layers');

      await page.getByRole('button', { name: 'Start training' }).click();
      await statusMatches(page, /Done/, 180_000);
      const log = await page.getByLabel('Experiment log').innerText();
      expect(log).toContain('initial weights from model.json: 2 layers loaded (hidden, head)');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
