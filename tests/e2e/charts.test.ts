import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { openStudio, startRun, statusMatches } from './browser';

/** Where to save screenshots (a folder), if anywhere: a test run leaves the tracked docs/ alone. */
const SHOTS = process.env.KILN_SCREENSHOTS;

const url = inject('studioUrl');
const EPOCHS = 3;
const ITERATIONS = 20; // 320 train items at batch 16

/** What the tooltip says at one x: where, and each line's exact value (its `data-value`). */
interface Tip {
  readonly where: string;
  readonly values: Readonly<Record<string, string>>;
}

/** Walks a chart's tooltip with the arrow keys from its first point to its last. */
async function walk(chart: Locator, steps: number): Promise<Tip[]> {
  // Focusing the chart hands it to recharts, which takes the focus for its arrow keys.
  await chart.locator('.light-chart, svg.recharts-surface[role="application"]').first().focus();
  const surface = chart.locator('svg.recharts-surface[role="application"]');
  await expect.poll(() => surface.evaluate((el) => el === document.activeElement).catch(() => false)).toBe(true);
  const keys = chart.page().keyboard;
  for (let i = 0; i < steps; i++) await keys.press('ArrowLeft'); // to the first point, wherever an earlier walk left it
  const tips: Tip[] = [];
  for (let i = 0; i < steps; i++) {
    if (i > 0) await keys.press('ArrowRight');
    tips.push(
      await chart.locator('.chart-tooltip').evaluate((el) => ({
        where: el.querySelector('.where')!.textContent!,
        values: Object.fromEntries([...el.querySelectorAll('[data-line]')].map((d) => [d.getAttribute('data-line'), d.getAttribute('data-value')])),
      })),
    );
  }
  return tips;
}

/** The x axis's tick labels. */
const xTicks = (chart: Locator) => chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();

/** The lines of a metric log, as written: value strings and counts. */
function logLines(files: Record<string, Uint8Array>, path: string): { value: string; count: number }[] {
  return strFromU8(files[path])
    .trim()
    .split('\n')
    .map((l) => {
      const [value, count] = l.split(',');
      return { value, count: Number(count) };
    });
}

/** A log's epoch value: the count-weighted mean of its lines. */
const mean = (lines: { value: string; count: number }[]) => lines.reduce((s, l) => s + Number(l.value) * l.count, 0) / lines.reduce((s, l) => s + l.count, 0);

async function exportedRun(page: Page): Promise<Record<string, Uint8Array>> {
  await page.getByRole('tab', { name: /Runs/ }).click();
  await page
    .getByRole('button', { name: /^Open / })
    .first()
    .click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export run' }).click()]);
  return unzipSync(new Uint8Array(readFileSync((await download.path())!)));
}

describe('charts', () => {
  it('draw_valid_once_per_epoch_at_its_end_unsmoothed_with_the_logged_values_a_legend_that_hides_and_a_zoom_that_resets', async () => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      await startRun(page, { samples: 400, epochs: EPOCHS, batchSize: 16, backend: 'cpu' });
      await statusMatches(page, /Done/);
      const loss = page.locator('figure[aria-label="Loss chart"]');
      expect(await loss.getAttribute('data-valid-epochs')).toBe(String(EPOCHS));
      // The series that exist, each once; a constant learning rate is a number, not a chart.
      expect(await loss.locator('.chart-legend button').allInnerTexts()).toEqual(['train (raw)', 'train (smoothed)', 'train epoch mean', 'valid']);
      await expect.poll(() => page.locator('.constant-metric').innerText()).toBe('Learning Rate 0.001 (constant)');
      expect(await page.locator('figure[aria-label="Learning Rate chart"]').count()).toBe(0);
      // Pointing at a chart has recharts draw every chart (the cursors move together).
      await loss.locator('.light-chart').hover();
      const yTicks = page.locator('figure[aria-label="Accuracy chart"] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value');
      await expect.poll(() => yTicks.count()).toBeGreaterThanOrEqual(3);
      const accuracyTicks = await yTicks.allTextContents();
      for (const t of accuracyTicks) expect(t).toMatch(/^\d+(\.\d+)?%$/);
      // Engine metrics only with diagnostics on.
      const table = page.getByRole('table', { name: 'Current metric values' });
      expect(await table.innerText()).toContain('last batch');
      expect(await table.getByRole('rowheader', { name: 'Tensor Count' }).count()).toBe(0);
      await page.getByLabel('diagnostics').check();
      expect(await table.getByRole('rowheader', { name: 'Tensor Count' }).count()).toBe(1);
      await page.getByLabel('diagnostics').uncheck();

      // The cursor moves on every chart: the picture in docs/ has the tooltips at the end of epoch 2.
      await page.evaluate(() => window.scrollTo(0, document.querySelector('.chart-toolbar')!.getBoundingClientRect().top + window.scrollY - 150));
      await loss.locator('.light-chart, .recharts-cartesian-grid').first().hover();
      const at = (await loss.locator('.recharts-cartesian-grid').boundingBox())!;
      await page.mouse.move(at.x + (at.width * 2) / 3, at.y + at.height / 2);
      await loss.locator('.chart-tooltip').waitFor();
      await page.locator('figure[aria-label="Accuracy chart"] .chart-tooltip').getByText('iteration 40 · epoch 2').waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/charts.png` }); // KILN_SCREENSHOTS=docs refreshes the README's
      await page.mouse.move(0, 0);

      const live = await walk(loss, EPOCHS * ITERATIONS);
      const files = await exportedRun(page);
      await loss.getByRole('button', { name: 'valid' }).waitFor(); // rebuilt from the stored logs
      const stored = await walk(loss, EPOCHS * ITERATIONS);
      for (const tips of [live, stored]) {
        for (let e = 1; e <= EPOCHS; e++) {
          const train = logLines(files, `train/epoch-${e}/Loss.log`);
          const valid = logLines(files, `valid/epoch-${e}/Loss.log`);
          expect(train).toHaveLength(ITERATIONS);
          for (let i = 1; i <= ITERATIONS; i++) {
            const tip = tips[(e - 1) * ITERATIONS + i - 1];
            expect(tip.where).toBe(`iteration ${(e - 1) * ITERATIONS + i} · epoch ${e}`);
            expect(tip.values.train).toBe(train[i - 1].value); // the logged value, exactly
            if (i > 1) expect(tip.values.trainSmooth).not.toBe(tip.values.train);
            // Valid only at the epoch's last iteration, and its value is the epoch's, unsmoothed.
            if (i < ITERATIONS) expect(tip.values.valid).toBeUndefined();
            else expect(Number(tip.values.valid)).toBeCloseTo(mean(valid), 12);
          }
        }
      }

      // The legend hides a line and shows it again.
      const validStroke = loss.locator('path.recharts-line-curve[stroke="#ea580c"]');
      expect(await validStroke.count()).toBe(1);
      const validButton = loss.getByRole('button', { name: 'valid' });
      await validButton.click();
      await expect.poll(() => validButton.getAttribute('aria-pressed')).toBe('false');
      await expect.poll(() => validStroke.count()).toBe(0);
      await validButton.click();
      await expect.poll(() => validStroke.count()).toBe(1);

      // Dragging across the plot zooms into that range; Reset zoom brings the whole run back.
      const whole = await xTicks(loss);
      const plot = (await loss.locator('.recharts-cartesian-grid').boundingBox())!;
      const y = plot.y + plot.height / 2;
      await page.mouse.move(plot.x + plot.width * 0.3, y);
      await page.mouse.down();
      await page.mouse.move(plot.x + plot.width * 0.6, y, { steps: 8 });
      await page.mouse.up();
      await loss.getByRole('button', { name: 'Reset zoom' }).waitFor();
      const zoomed = (await xTicks(loss)).map(Number);
      expect(Math.min(...zoomed)).toBeGreaterThanOrEqual(15);
      expect(Math.max(...zoomed)).toBeLessThanOrEqual(40);
      await loss.getByRole('button', { name: 'Reset zoom' }).click();
      await expect.poll(() => xTicks(loss)).toEqual(whole);

      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
