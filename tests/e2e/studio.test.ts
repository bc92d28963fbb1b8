import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { enabledAt, longTasks, openStudio, type LongTask } from './browser';

/** Where to save screenshots (a folder), if anywhere: a test run leaves the tracked docs/ alone. */
const SHOTS = process.env.KILN_SCREENSHOTS;

const url = inject('studioUrl');

// Polled several times a second while the page's main thread is measured: plain CSS selectors,
// not role or label queries, whose walk of the whole page would itself be a task the test counts.
const status = (page: Page) => page.locator('[role="status"]');
const points = async (page: Page, chart: string, split: 'train' | 'valid') =>
  Number(await page.locator(`figure[aria-label="${chart} chart"]`).getAttribute(`data-${split}-points`));

/** The longest of some tasks (0 for none), and a line per task for a failure message. */
const longest = (tasks: LongTask[]) => Math.max(0, ...tasks.map((t) => t.duration));
const listed = (tasks: LongTask[]) => tasks.map((t) => `${t.duration.toFixed(0)} ms at ${t.start.toFixed(0)}: ${t.scripts}`).join('\n');

/** Waits until `check` holds, polling; fails with what the status said last. */
async function until(page: Page, what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await page.waitForTimeout(200);
  }
  throw new Error(`timed out waiting for ${what}; status: ${await status(page).innerText()}`);
}

describe.each([
  { backend: 'webgpu', webgpu: true },
  { backend: 'webgl', webgpu: false }, // no WebGPU adapter: the studio must fall back to WebGL
])('studio on $backend', ({ backend, webgpu }) => {
  it('trains_mnist_plots_train_and_valid_obeys_pause_resume_stop_and_never_blocks_the_page_while_training', async () => {
    const { context, page, errors } = await openStudio(url, webgpu);
    try {
      // The form takes input while the digits load; Start waits for them.
      await page.getByLabel('Samples').fill('600');
      await page.getByLabel('Epochs').fill('50');
      await page.getByLabel('Batch size').fill('32');
      const usableAt = await enabledAt(page, 'button.primary');
      console.log(`[${backend}] Start enabled ${usableAt.toFixed(0)} ms after opening the page`);
      await page.getByRole('region', { name: 'Dataset card' }).getByText('MNIST (built in)').waitFor({ timeout: 60_000 });
      // Browsers of earlier test files may still be exiting on these two cores: let them go
      // before the measured part starts.
      await page.waitForTimeout(1500);
      // Observers report entries late: tasks of the page's loading may arrive after this point, so
      // only tasks that started after it count.
      const clickedAt = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: 'Start training' }).click();

      await until(page, 'training', async () => /Training|Validating/.test(await status(page).innerText()), 180_000);
      expect(await status(page).innerText()).toContain(`on ${backend}`);
      // On WebGPU the MLP trains on the compiled step (SwiftShader here); on WebGL on the tfjs step, saying why.
      await until(page, 'the engine', async () => (await status(page).innerText()).includes('engine:'));
      expect(await status(page).innerText()).toContain(webgpu ? 'engine: compiled' : 'engine: tfjs (the compiled step runs on webgpu; this run is on webgl)');
      if (!webgpu) expect(await status(page).innerText()).toContain('webgpu: no WebGPU adapter');

      // Epoch 1 ends: train and valid points on both charts, and its checkpoint saved.
      await until(page, 'checkpoint 1', async () => (await page.locator('[aria-label="Experiment log"]').innerText()).includes('saved checkpoint 1'));
      for (const chart of ['Loss', 'Accuracy']) {
        expect(await points(page, chart, 'train')).toBeGreaterThanOrEqual(15); // 480 train items / 32
        expect(await points(page, chart, 'valid')).toBeGreaterThanOrEqual(4); // 120 valid items / 32
      }
      if (webgpu && SHOTS) await page.screenshot({ path: `${SHOTS}/studio.png` }); // KILN_SCREENSHOTS=docs refreshes the README's

      await page.getByRole('button', { name: 'Pause' }).click();
      await until(page, 'paused', async () => (await status(page).innerText()).includes('Paused'));
      const held = await points(page, 'Loss', 'train');
      await page.waitForTimeout(1500);
      expect(await points(page, 'Loss', 'train')).toBe(held);

      await page.getByRole('button', { name: 'Resume' }).click();
      await until(page, 'more points after resume', async () => (await points(page, 'Loss', 'train')) > held);

      await page.getByRole('button', { name: 'Stop' }).click();
      await until(page, 'stopped', async () => (await status(page).innerText()).includes('Stopped'));
      expect(await status(page).innerText()).toContain('interrupted: stopped by the user');
      const log = await page.locator('[aria-label="Experiment log"]').innerText();
      expect(log).toMatch(/training ended after epoch \d+: interrupted/);
      expect(await page.getByRole('button', { name: 'Start training' }).isEnabled()).toBe(true);

      const tasks = await longTasks(page);
      const loading = tasks.filter((t) => t.start < usableAt);
      const training = tasks.filter((t) => t.start >= clickedAt);
      console.log(`[${backend}] longest main-thread task while loading: ${longest(loading).toFixed(0)} ms; while training: ${longest(training).toFixed(0)} ms`);
      writeFileSync(
        `node_modules/.kiln-longtask-${backend}.json`,
        JSON.stringify({ backend, startEnabledMs: usableAt, loadingLongestMs: longest(loading), trainingLongestMs: longest(training) }),
      );
      // From the click until stopped no task may pass 50 ms (the observer reports only tasks over
      // 50 ms). The page load's own target (no task over 100 ms until Start) is a benchmark's,
      // `bench/studio-load.ts`, as speed targets are: here it is only reported.
      expect(longest(training), `tasks while training:\n${listed(training)}`).toBeLessThanOrEqual(50);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
