import { describe, expect, inject, it } from 'vitest';
import { openStudio } from './browser';

const url = inject('studioUrl');

describe('studio', () => {
  it('marks_invalid_fields_inline_and_keeps_start_disabled_until_fixed', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      const start = page.getByRole('button', { name: 'Start training' });
      await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.primary')?.disabled);
      const lr = page.getByLabel('Learning rate');
      await lr.fill('0');
      expect(await lr.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#field-lr-error').innerText()).toBe('the learning rate must be > 0');
      expect(await start.isDisabled()).toBe(true);
      await page.getByLabel('Hidden layers').fill('128, x');
      expect(await page.locator('#field-hidden-error').innerText()).toContain('whole numbers');
      await lr.fill('0.01');
      await page.getByLabel('Hidden layers').fill('64, 32');
      expect(await start.isEnabled()).toBe(true);
      // The form survives a reload.
      await page.reload();
      expect(await page.getByLabel('Hidden layers').inputValue()).toBe('64, 32');
    } finally {
      await context.close();
    }
  }, 120_000);

  it('reports_a_crash_of_the_training_worker', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.primary')?.disabled);
      const [worker] = page.workers();
      await worker.evaluate(() => void setTimeout(() => {
        throw new Error('simulated crash');
      }));
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/the training worker crashed: .*simulated crash/);
      expect(await page.getByRole('status').innerText()).toContain('Failed');
    } finally {
      await context.close();
    }
  }, 60_000);

  it.each(['wasm', 'cpu'])('trains_one_small_epoch_on_%s_when_chosen', async (backend) => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      await page.getByLabel('Samples').fill('200');
      await page.getByLabel('Epochs').fill('1');
      await page.getByLabel('Backend').selectOption(backend);
      const start = page.getByRole('button', { name: 'Start training' });
      await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.primary')?.disabled);
      await start.click();
      await page.getByRole('status').filter({ hasText: 'Done' }).waitFor({ timeout: 120_000 });
      expect(await page.getByRole('status').innerText()).toContain(`on ${backend}`);
      expect(Number(await page.getByLabel('Loss chart').getAttribute('data-valid-points'))).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
