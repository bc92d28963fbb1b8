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
      // The form re-renders as a transition: Start follows within a frame or two, not synchronously.
      await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.primary')?.disabled, undefined, { timeout: 5_000 });
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
      // Playwright attaches to a worker a moment after it starts, sometimes after Start is enabled.
      const worker = page.workers()[0] ?? (await page.waitForEvent('worker'));
      await worker.evaluate(
        () =>
          void setTimeout(() => {
            throw new Error('simulated crash');
          }),
      );
      // The run's alert; a dataset request in flight is rejected too and says so in the data section.
      const alert = page.getByRole('main').getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/the training worker crashed: .*simulated crash/);
      expect(await page.getByRole('status').innerText()).toContain('Failed');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('tabs_follow_arrow_keys_and_the_live_status_announces_states_not_iterations', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      const settings = page.getByRole('tab', { name: 'Settings' });
      await settings.focus();
      await page.keyboard.press('ArrowRight');
      const runs = page.getByRole('tab', { name: /^Runs/ });
      expect(await runs.getAttribute('aria-selected')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Runs/);
      expect(await page.getByRole('tabpanel', { name: /^Runs/ }).getByRole('region', { name: 'Runs' }).count()).toBe(1);
      await page.keyboard.press('End');
      expect(await page.getByRole('tab', { name: 'Storage' }).getAttribute('aria-selected')).toBe('true');
      await page.keyboard.press('ArrowRight'); // wraps around
      expect(await settings.getAttribute('aria-selected')).toBe('true');
      expect(await page.getByRole('tab', { selected: false }).evaluateAll((tabs) => tabs.map((t) => t.getAttribute('tabindex')))).toEqual(['-1', '-1']);

      await page.getByLabel('Samples').fill('600');
      await page.getByLabel('Epochs').fill('20');
      await page.getByLabel('Backend').selectOption('cpu');
      await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.primary')?.disabled);
      await page.getByRole('button', { name: 'Start training' }).click();
      await page.locator('.status-progress', { hasText: /iteration \d+ of \d+/ }).waitFor({ timeout: 120_000 });
      const status = page.getByRole('status');
      expect(await status.getAttribute('aria-live')).toBe('polite');
      const said = await status.innerText();
      expect(said).toMatch(/((Training|Validating) epoch \d+ of 20|Saving checkpoint \d+) on cpu/);
      expect(said).not.toMatch(/iteration|items\/s|ETA/);
      await page.getByRole('button', { name: 'Stop' }).click();
      await status.filter({ hasText: 'Stopped' }).waitFor({ timeout: 60_000 });
    } finally {
      await context.close();
    }
  }, 180_000);

  it.each(['wasm', 'cpu'])(
    'trains_one_small_epoch_on_%s_when_chosen',
    async (backend) => {
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
    },
    180_000,
  );
});
