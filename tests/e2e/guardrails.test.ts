import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { png } from '../fixtures/images/png';
import { drop, openStudio } from './browser';

const url = inject('studioUrl');

/**
 * Waits until Start is enabled or disabled as asked and the text beside it (the reason, the checks)
 * shows `said`; returns that text.
 */
async function startState(page: Page, enabled: boolean, said: string | RegExp = ''): Promise<string> {
  const start = page.getByRole('button', { name: 'Start training' });
  const beside = page.getByRole('region', { name: 'Before training' });
  const text = async () => ((await beside.count()) ? beside.innerText() : '');
  const matches = (t: string) => (typeof said === 'string' ? t.includes(said) : said.test(t));
  await expect.poll(async () => (await start.isEnabled()) === enabled && matches(await text()), { timeout: 60_000 }).toBe(true);
  return text();
}

/** 300 rows: an id, a size, a price of its own per row, a constant and a kind. */
const shop = `id,size,price,shop,kind\n${Array.from({ length: 300 }, (_, i) => `${i + 1},${(i * 7) % 13},${100 + i * 3},main,${['a', 'b', 'c'][i % 3]}`).join('\n')}\n`;
const PNG = [...png(4, 4, () => [200, 10, 10])];

describe('guardrails before Start', () => {
  it('names_a_renamed_png_and_a_non_zip_and_keeps_start_off_until_a_dataset_is_good_again', async () => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      const card = page.getByRole('region', { name: 'Dataset card' });
      await card.getByText('MNIST (built in)').waitFor({ timeout: 60_000 });
      await startState(page, true);

      // While a dropped file is read, Start waits, saying so.
      const rows = Array.from({ length: 200_000 }, (_, i) => `${i % 97},${i % 89},${['x', 'y'][i % 2]}`).join('\n');
      await drop(page, [{ name: 'big.csv', text: `a,b,label\n${rows}\n` }]);
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLButtonElement>('button.primary')?.disabled &&
          /Reading big\.csv…/.test(document.querySelector('.start-checks')?.textContent ?? ''),
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      await card.getByText('200,000 rows').waitFor({ timeout: 60_000 });

      await drop(page, [{ name: 'data.csv', bytes: PNG }]);
      const problem = page.locator('.dataset-problem');
      await problem.waitFor({ timeout: 60_000 });
      const said =
        'data.csv is a PNG image, not a CSV table: put it with other images in class folders (one subfolder per class) and drop the folder, or a zip of it';
      expect(await problem.innerText()).toContain(said);
      // The old card is gone and Start is off, saying why.
      expect(await card.count()).toBe(0);
      await startState(page, false, said);

      await drop(page, [{ name: 'pets.zip', text: 'cats,dogs\n1,2\n' }]);
      await problem.filter({ hasText: 'pets.zip' }).waitFor({ timeout: 60_000 });
      expect(await problem.innerText()).toContain('pets.zip is a text file, not a zip archive: if it is a table, name it .csv or .tsv');
      await startState(page, false, 'pets.zip is a text file');

      // Dismissed, the dataset the form still names comes back, and Start with it.
      await problem.getByRole('button', { name: 'Dismiss' }).click();
      await card.getByText('big.csv').waitFor({ timeout: 60_000 });
      await startState(page, true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps_start_off_for_a_label_that_cannot_train_and_fixes_it_in_one_click', async () => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      await drop(page, [{ name: 'shop.csv', text: shop }]);
      const card = page.getByRole('region', { name: 'Dataset card' });
      await card.getByText('300 rows').waitFor({ timeout: 60_000 });
      expect(await page.getByLabel('Column to predict').inputValue()).toBe('kind');

      // The id is flagged on the card and left out in one click; the features drop from 4 to 3.
      expect(await card.innerText()).toMatch(/4 features · classification · 3 classes/);
      const flagged = card.getByRole('list', { name: 'Warnings' });
      expect(await flagged.innerText()).toContain('column "id" looks like an identifier (every value is a different whole number, 1 to 300 in sequence)');
      await page.screenshot({ path: join(tmpdir(), 'kiln-guardrails-card.png'), fullPage: true });
      await flagged.getByRole('button', { name: 'Leave out id' }).click();
      await card.getByText('3 features').waitFor({ timeout: 60_000 });
      expect(await card.getByRole('checkbox', { name: 'Use id' }).isChecked()).toBe(false);

      // A numeric label brings regression; taken as classes it has one class a row and no validation items.
      await page.getByLabel('Column to predict').selectOption('price');
      expect(await page.getByLabel('Task').inputValue()).toBe('regression');
      await page.getByLabel('Task').selectOption('classification');
      await startState(page, false, "the validation split is empty: each of the 300 classes has a single row, and a class's only row stays in training");
      await page.getByRole('region', { name: 'Before training' }).getByRole('button', { name: 'Switch to regression' }).click();
      expect(await page.getByLabel('Task').inputValue()).toBe('regression');
      await startState(page, true);

      // A label of one class: Start stays off, the card still lists the columns to pick another.
      await page.getByLabel('Column to predict').selectOption('shop');
      await startState(page, false, 'shop.csv: the label column "shop" has only one class ("main"): there is nothing to tell apart');
      expect(await card.getByRole('table', { name: 'Columns' }).innerText()).toContain('size');
      await page.getByLabel('Column to predict').selectOption('kind');

      // Too few steps an epoch: a warning with the batch size that fixes it; Start stays on.
      await page.getByLabel('Batch size').fill('512');
      await startState(
        page,
        true,
        'the batch size (512) is as large as the training split (240 rows): every epoch is a single step; lower the batch size to 24',
      );
      await page.getByRole('button', { name: 'Use batch size 24' }).click();
      expect(await page.getByLabel('Batch size').inputValue()).toBe('24');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps_start_off_after_a_reload_when_the_folder_is_no_longer_open_and_stores_no_run', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kiln-guard-')), 'dots');
    const colours: [string, [number, number, number]][] = [
      ['red', [220, 20, 20]],
      ['blue', [20, 20, 220]],
    ];
    for (const [cls, colour] of colours) {
      mkdirSync(join(dir, cls), { recursive: true });
      for (let i = 0; i < 6; i++)
        writeFileSync(
          join(dir, cls, `${i}.png`),
          png(8, 8, (x) => (x === i ? [0, 0, 0] : colour)),
        );
    }
    const { context, page, errors } = await openStudio(url, false);
    try {
      await page.getByLabel('Dataset folder').setInputFiles(dir);
      await page.getByRole('region', { name: 'Dataset card' }).getByText('12 images').waitFor({ timeout: 60_000 });
      // 12 images at the default batch of 64: one step an epoch, said beside Start.
      await startState(page, true, /the batch size \(64\) is as large as the training split \(10 images\): every epoch is a single step/);
      await page.reload();
      await startState(page, false, 'dots: is not open in this tab: drop it again');
      await page.getByRole('tab', { name: /^Runs/ }).click();
      expect(await page.getByRole('tab', { name: /^Runs/ }).innerText()).toBe('Runs (0)');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
