import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { metricValue } from '../../src/ui/components/format';
import { openStudio, startRun, statusMatches } from './browser';

const url = inject('studioUrl');

/** The best (lowest) valid Loss of an exported run, from its log files: each epoch's count-weighted mean. */
async function bestValidLoss(page: Page, listed: number): Promise<number> {
  await page.locator('button.run-name').nth(listed).click();
  await page.getByLabel('Run artifacts').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export run' }).click()]);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const means = Object.keys(files)
    .filter((p) => /^valid\/epoch-\d+\/Loss\.log$/.test(p))
    .map((p) => {
      const lines = strFromU8(files[p])
        .trim()
        .split('\n')
        .map((l) => l.split(',').map(Number));
      return lines.reduce((s, [v, n]) => s + v * n, 0) / lines.reduce((s, [, n]) => s + n, 0);
    });
  return Math.min(...means);
}

describe('comparing runs', () => {
  it('two_runs_overlay_on_every_chart_with_their_best_values_and_the_settings_that_differ', async () => {
    const { context, page, errors } = await openStudio(url, false);
    try {
      await startRun(page, { samples: 200, epochs: 2, batchSize: 32, backend: 'cpu' });
      await statusMatches(page, /Done/);
      await startRun(page, { samples: 200, epochs: 2, batchSize: 16, backend: 'cpu' });
      await statusMatches(page, /Done/);

      await page.getByRole('tab', { name: 'Runs (2)' }).click();
      // The status line still says the first run's Done until the second run's state comes: wait for both runs to be done.
      await expect.poll(() => page.locator('.runs li[data-status="done"]').count(), { timeout: 120_000 }).toBe(2);
      const compare = page.getByRole('button', { name: /^Compare/ });
      expect(await compare.isDisabled()).toBe(true); // nothing ticked yet
      const ticks = page.getByRole('checkbox', { name: /^Compare / });
      await ticks.nth(0).check();
      expect(await compare.isDisabled()).toBe(true); // one run is not a comparison
      await ticks.nth(1).check();
      await page.getByRole('button', { name: 'Compare 2 runs' }).click();

      const view = page.getByRole('region', { name: 'Run comparison' });
      const loss = view.getByLabel('Loss comparison chart');
      await loss.locator('.recharts-line path.recharts-curve').first().waitFor();
      expect(await loss.getAttribute('data-runs')).toBe('2');
      // Per run, a train curve and a valid curve, each drawn (a path with points); recharts may draw them over a few frames.
      const segments = () =>
        loss.locator('.recharts-line path.recharts-curve').evaluateAll((ps) => ps.map((p) => (p.getAttribute('d') ?? '').split(/[LC]/).length > 1));
      await expect.poll(segments, { timeout: 10_000 }).toEqual([true, true, true, true]);
      await expect.poll(() => view.getByLabel('Accuracy comparison chart').count()).toBe(1);
      expect(await view.getByLabel('Tensor Count comparison chart').count()).toBe(0); // diagnostics are not compared
      // The same constant learning rate in both runs is said in words, not charted.
      expect(await view.getByLabel('Learning Rate comparison chart').count()).toBe(0);
      expect(await view.getByText(/The same in every run and epoch: .*Learning Rate 0\.001/).count()).toBe(1);

      const diff = view.getByRole('table', { name: 'Settings that differ' });
      const batchRow = diff.getByRole('row', { name: /^batchSize/ });
      expect((await batchRow.innerText()).replace(/\s+/g, ' ')).toMatch(/batchSize (16 32|32 16)/);
      expect(await diff.getByRole('row', { name: /^lr\b/ }).count()).toBe(0); // the same in both: not listed

      // Each run's best valid loss, as the table shows it, is what its own log files say.
      const bestRow = (await view.getByRole('table', { name: 'Best valid values' }).getByRole('row', { name: /^Loss/ }).innerText()).split('\t');
      const shown = bestRow.slice(1).map((c) => c.split(' ')[0]);
      await page.screenshot({ path: join(tmpdir(), 'kiln-compare.png'), fullPage: true }); // docs/compare.png is one of these
      await view.getByRole('button', { name: 'Close comparison' }).click();
      expect(await view.count()).toBe(0);
      // The comparison lists the runs in the runs list's order.
      for (const [i, value] of shown.entries()) expect(value).toBe(metricValue(await bestValidLoss(page, i)));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
