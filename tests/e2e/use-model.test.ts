import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist-node';
import { countConfusion } from '../../src/train/metric/confusion-matrix';
import { loadModel, predict, runSplit } from '../../src/infer/index';
import { MemoryStore } from '../../src/store/memory';
import { flowersCsv, openStudio, startRun, statusMatches } from './browser';

const url = inject('studioUrl');
const SHOTS = process.env.KILN_SCREENSHOTS;

/** Clicks a button that starts a download and returns the file's name and bytes. */
async function downloadOf(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Uint8Array }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), bytes: new Uint8Array(readFileSync((await download.path())!)) };
}

/** The matrix the Errors view shows, from its cells' labels ("true a, predicted b: n"). */
async function shownMatrix(page: Page, classes: number): Promise<number[][]> {
  const labels = await page
    .getByLabel('Confusion matrix')
    .getByRole('button')
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('aria-label') ?? ''));
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const l of labels) {
    const [, t, p, n] = /^true (.+), predicted (.+): (\d+)$/.exec(l)!;
    matrix[Number(t)][Number(p)] = Number(n);
  }
  return matrix;
}

/** Opens the newest stored run from the Runs tab. */
async function openNewestRun(page: Page): Promise<void> {
  await page.getByRole('tab', { name: /^Runs/ }).click();
  await page
    .locator('.runs')
    .getByRole('button', { name: /^Open / })
    .first()
    .click();
  await page.getByLabel('Use the model').first().waitFor({ timeout: 60_000 });
}

describe('use a trained model', () => {
  it('predicts_a_digit_drawn_on_the_pad_and_shows_the_matrix_predict_gives_and_filters_mistakes_by_cell', async () => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      await startRun(page, { samples: 2000, epochs: 2, batchSize: 32, backend: 'cpu' });
      await statusMatches(page, /Done/, 240_000);
      await openNewestRun(page);

      // A "1": one thick vertical stroke down the middle of the pad.
      const pad = page.getByLabel('Drawing pad');
      await pad.scrollIntoViewIfNeeded();
      const box = (await pad.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.18);
      await page.mouse.down();
      for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.18 + (0.64 * i) / 12));
      await page.mouse.up();
      const bars = page.getByRole('list', { name: 'Prediction 1' });
      await bars.waitFor({ timeout: 30_000 });
      const top = (await bars.getByRole('listitem').first().innerText()).split('\n')[0];
      expect(top).toBe('1');
      if (SHOTS)
        await page
          .getByLabel('Use the model')
          .first()
          .screenshot({ path: `${SHOTS}/try-pad.png` });

      await page.getByRole('tab', { name: 'Errors' }).click();
      await page.getByLabel('Confusion matrix').waitFor({ timeout: 60_000 });
      const shown = await shownMatrix(page, 10);

      // The same matrix from predict in Node, on the run's validation rows, with the exported checkpoint.
      const zip = unzipSync((await downloadOf(page, () => page.getByRole('button', { name: 'Export run' }).click())).bytes);
      const store = new MemoryStore();
      for (const [path, data] of Object.entries(zip)) if (path !== 'kiln.json') await store.write(path, data);
      const loaded = await loadModel(store, 2);
      const { valid } = await runSplit(loaded.source, store, async () => loadMnist());
      const p = await predict(loaded, valid.x, valid.y.length);
      loaded.model.dispose();
      if (p.task !== 'classification') throw new Error('MNIST is a classification');
      expect(shown).toEqual(countConfusion(valid.y, p.predicted, 10));
      expect(JSON.parse(strFromU8(zip['valid/epoch-2/ConfusionMatrix.json'])).matrix).toEqual(shown);

      // A cell of the matrix filters the mistakes to it.
      const cells = page.getByLabel('Confusion matrix').getByRole('button', { disabled: false });
      const label = (await cells.first().getAttribute('aria-label'))!;
      const [, t, q] = /^true (.+), predicted (.+): \d+$/.exec(label)!;
      await cells.first().click();
      const mistakes = page.getByRole('list', { name: 'Mistakes' }).getByRole('listitem');
      await expect.poll(async () => (await mistakes.allInnerTexts()).every((m) => m.includes(`true ${t}, predicted ${q}`))).toBe(true);
      expect(await mistakes.count()).toBeGreaterThan(0);
      if (SHOTS)
        await page
          .getByLabel('Use the model')
          .first()
          .screenshot({ path: `${SHOTS}/errors-images.png` });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 400_000);

  it('a_table_runs_form_predicts_as_values_change_and_a_dropped_csv_downloads_with_the_cli_columns', async () => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      await page.locator('.dropzone').evaluate((zone, text) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], 'flowers.csv'));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, flowersCsv(120));
      await page.getByRole('region', { name: 'Dataset card' }).getByText('120 rows').waitFor({ timeout: 60_000 });
      await page.getByLabel('Epochs').fill('8');
      await page.getByLabel('Batch size').fill('16');
      await page.getByLabel('Learning rate').fill('0.02');
      await page.getByLabel('Backend').selectOption('cpu');
      const start = page.getByRole('button', { name: 'Start training' });
      await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
      await start.click();
      await statusMatches(page, /Done/);
      await openNewestRun(page);

      const form = page.getByRole('form', { name: 'Input columns' });
      await form.waitFor({ timeout: 60_000 });
      expect(await form.getByLabel('colour').evaluate((s: HTMLSelectElement) => [...s.options].map((o) => o.value))).toEqual(['blue', 'red']);
      const top = async () => (await page.getByRole('list', { name: 'Prediction 1' }).getByRole('listitem').first().innerText()).split('\n')[0];
      // The form starts at the training medians; a small flower is a setosa, a large one a virginica.
      await form.getByLabel('length').fill('1');
      await form.getByLabel('width').fill('0.5');
      await expect.poll(top, { timeout: 30_000 }).toBe('setosa');
      await form.getByLabel('length').fill('5.2');
      await form.getByLabel('width').fill('2.7');
      await expect.poll(top, { timeout: 30_000 }).toBe('virginica');
      if (SHOTS)
        await page
          .getByLabel('Use the model')
          .first()
          .screenshot({ path: `${SHOTS}/try-table.png` });

      const rows = 'length,width,colour\n1.1,0.6,red\n3.1,1.6,blue\n5.1,2.6,red\n';
      const { name, bytes } = await downloadOf(page, () =>
        page.getByLabel('Predict a CSV file').setInputFiles({ name: 'new.csv', mimeType: 'text/csv', buffer: Buffer.from(rows) }),
      );
      expect(name).toBe('new-predictions.csv');
      const lines = strFromU8(bytes).trim().split('\n');
      expect(lines[0]).toBe('row,prediction,p_setosa,p_versicolor,p_virginica');
      expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['1,setosa', '2,versicolor', '3,virginica']);
      for (const l of lines.slice(1))
        expect(
          l
            .split(',')
            .slice(2)
            .map(Number)
            .reduce((a, b) => a + b, 0),
        ).toBeCloseTo(1, 5);

      await page.getByRole('tab', { name: 'Errors' }).click();
      await page.getByLabel('Per-class scores').waitFor({ timeout: 60_000 });
      if (SHOTS)
        await page
          .getByLabel('Use the model')
          .first()
          .screenshot({ path: `${SHOTS}/errors-table.png` });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
