import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { png } from '../fixtures/images/png';
import { drop, flowersCsv, openStudio, statusMatches } from './browser';

const url = inject('studioUrl');

/** Sets the epochs, batch size and the cpu backend, then starts and waits for the run to end. */
async function trainOneEpoch(page: Page): Promise<string> {
  await page.getByLabel('Epochs').fill('1');
  await page.getByLabel('Batch size').fill('16');
  await page.getByLabel('Backend').selectOption('cpu');
  const start = page.getByRole('button', { name: 'Start training' });
  await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
  await start.click();
  return statusMatches(page, /Done|Failed/);
}

describe('your own data', () => {
  it('trains_one_epoch_on_a_dropped_csv_after_showing_its_card', async () => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      await drop(page, [{ name: 'flowers.csv', text: flowersCsv(90) }]);
      const card = page.getByRole('region', { name: 'Dataset card' });
      await card.getByText('90 rows').waitFor({ timeout: 60_000 });
      expect(await card.innerText()).toMatch(/4 features · classification · 3 classes/); // 2 numbers + a one-hot colour
      expect(await page.getByLabel('Column to predict').inputValue()).toBe('species');
      expect(await page.getByRole('list', { name: 'Items per class' }).innerText()).toMatch(/setosa\s+30/);

      expect(await trainOneEpoch(page)).toMatch(/Done/);
      expect(await page.getByLabel('Experiment log').innerText()).toContain('saved checkpoint 1');
      await page.getByRole('tab', { name: 'Runs (1)' }).click();
      expect(await page.locator('.runs').innerText()).toContain('flowers.csv → species');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a_loss_that_goes_infinite_stops_the_run_saying_where_or_warns_and_trains_on_as_chosen', async () => {
    // y = 3a − 2b: plain SGD at a learning rate of 10 overflows the squared error within two epochs.
    const rows = Array.from({ length: 200 }, (_, i) => {
      const [a, b] = [((i * 37) % 200) / 100 - 1, ((i * 71) % 200) / 100 - 1];
      return `${a},${b},${(3 * a - 2 * b).toFixed(3)}`;
    });
    const { context, page, errors } = await openStudio(url, false);
    try {
      await drop(page, [{ name: 'line.csv', text: `a,b,y\n${rows.join('\n')}\n` }]);
      await page.getByRole('region', { name: 'Dataset card' }).getByText('200 rows').waitFor({ timeout: 60_000 });
      await page.getByLabel('Column to predict').selectOption('y');
      await page.getByLabel('Task').selectOption('regression');
      await page.getByLabel('Model', { exact: true }).selectOption('logistic');
      await page.getByLabel('Optimizer', { exact: true }).selectOption('sgd');
      await page.getByLabel('Learning rate').fill('10');
      await page.getByLabel('Epochs').fill('4');
      await page.getByLabel('Batch size').fill('16');
      await page.getByLabel('Backend').selectOption('cpu');
      expect(await page.getByLabel('If the loss is NaN or infinite').inputValue()).toBe('stop');
      const start = page.getByRole('button', { name: 'Start training' });
      await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
      await start.click();
      const where =
        /the train loss is (Infinity|NaN) at epoch (\d+), iteration \d+: training stopped \(try a lower learning rate, or check the data\); the checkpoints of epochs up to (\d+) are kept/;
      const failed = await statusMatches(page, /Failed/);
      expect(failed).toMatch(where);
      const [, , epoch, kept] = where.exec(failed)!;
      expect(Number(kept)).toBe(Number(epoch) - 1);
      expect(await page.getByRole('alert').innerText()).toMatch(where);
      expect(await page.getByLabel('Experiment log').innerText()).toMatch(/ERROR kiln::learner: training failed after epoch \d+: the train loss is/);

      // The same run set to warn: it trains to the end, and the studio shows the warnings and their count.
      await page.getByLabel('If the loss is NaN or infinite').selectOption('warn');
      await page.getByLabel('Epochs').fill('3');
      await start.click();
      expect(await statusMatches(page, /Done/)).toContain('completed');
      const warnings = page.getByRole('log', { name: 'Warnings' });
      expect(await warnings.innerText()).toMatch(
        /the train loss was NaN or infinite in \d+ of 10 iterations of epoch \d \(first at iteration \d+\); training goes on/,
      );
      await page.getByRole('tab', { name: 'Runs (2)' }).click();
      await page
        .getByRole('button', { name: /^Open .* · Logistic regression · sgd 10/ })
        .first()
        .click();
      expect(await page.getByLabel('Learner summary').innerText()).toMatch(
        /Learner summary: 3 epochs\. The loss was NaN or infinite in \d+ train iterations and \d+ valid iterations/,
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('trains_one_epoch_on_a_picked_image_folder_and_lists_what_it_skipped', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kiln-images-')), 'shapes');
    const draw = (inside: (x: number, y: number) => boolean) => png(20, 20, (x, y) => (inside(x, y) ? [250, 250, 250] : [10, 10, 10]));
    for (const [cls, inside] of [
      ['circle', (x: number, y: number) => (x - 10) ** 2 + (y - 10) ** 2 < 40],
      ['bar', (x: number) => x > 7 && x < 13],
    ] as const) {
      mkdirSync(join(dir, cls), { recursive: true });
      for (let i = 0; i < 12; i++)
        writeFileSync(
          join(dir, cls, `${i}.png`),
          draw((x, y) => inside((x + i) % 20, y)),
        );
    }
    writeFileSync(join(dir, 'bar', 'broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    writeFileSync(join(dir, 'circle', 'notes.txt'), 'not an image');
    const { context, page, errors } = await openStudio(url, false);
    try {
      await page.getByLabel('Dataset folder').setInputFiles(dir);
      const card = page.getByRole('region', { name: 'Dataset card' });
      await card.getByText('24 images').waitFor({ timeout: 60_000 });
      expect(await card.innerText()).toMatch(/28×28 gray · classification · 2 classes/);
      expect(await card.getByText('2 files skipped').count()).toBe(1);
      await card.getByText('2 files skipped').click();
      expect(await card.locator('.skipped').innerText()).toMatch(
        /broken\.png: corrupt image[\s\S]*notes\.txt: not an image|notes\.txt: not an image[\s\S]*broken\.png: corrupt image/,
      );
      expect(await page.getByRole('img', { name: /sample images of bar, circle/ }).count()).toBe(1);

      expect(await trainOneEpoch(page)).toMatch(/Done/);
      await page.getByRole('tab', { name: 'Runs (1)' }).click();
      expect(await page.locator('.runs').innerText()).toContain('shapes, 28×28 gray');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('announces_bad_files_by_name_and_row_and_offers_latin1', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      const alert = page.getByRole('alert');
      await drop(page, [{ name: 'ragged.csv', text: 'a,b,label\n1,2,x\n3,y\n' }]);
      await alert.waitFor({ timeout: 60_000 });
      expect(await alert.innerText()).toMatch(/ragged\.csv: row 3: expected 3 fields, found 2/);

      await drop(page, [{ name: 'empty.csv', text: '' }]);
      await alert.filter({ hasText: 'empty.csv' }).waitFor({ timeout: 60_000 });

      // "café" in Latin-1: é is the single byte 0xE9, which is not UTF-8.
      const latin1 = [...Buffer.from('name,label\n', 'latin1'), ...Buffer.from('caf\xe9,a\nthe,b\ncaf\xe9,a\nthe,b\n', 'latin1')];
      await drop(page, [{ name: 'menu.csv', bytes: latin1 }]);
      await alert.filter({ hasText: 'not valid UTF-8' }).waitFor({ timeout: 60_000 });
      expect(await alert.innerText()).toContain('menu.csv');
      await page.getByRole('button', { name: 'Read it as Latin-1' }).click();
      const card = page.getByRole('region', { name: 'Dataset card' });
      await card.getByText('café').first().waitFor({ timeout: 60_000 });
      expect(await alert.count()).toBe(0);
      // The studio is still usable: MNIST is one choice away.
      await page.getByLabel('Dataset', { exact: true }).selectOption('mnist');
      await card.getByText('MNIST (built in)').waitFor({ timeout: 60_000 });
    } finally {
      await context.close();
    }
  });
});
