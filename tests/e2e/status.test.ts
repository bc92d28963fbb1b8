import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { openStudio, startRun, statusMatches } from './browser';

const url = inject('studioUrl');

/**
 * Records, from before the run starts, every text the status line and the ETA show (with the
 * time) and every `phase` event the worker posts: what a person saw, and what the worker said.
 */
async function recordStatus(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __said: [number, string][]; __eta: [number, string][] };
    w.__said = [];
    w.__eta = [];
    const note = (into: [number, string][], text: string | undefined) => {
      if (text && into.at(-1)?.[1] !== text) into.push([performance.now(), text]);
    };
    new MutationObserver(() => {
      note(w.__said, document.querySelector('[role="status"]')?.textContent ?? undefined);
      note(w.__eta, document.querySelector('.status .eta')?.textContent ?? undefined);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Wraps the Worker constructor (before the page loads) so that the worker's `phase` events are kept in `window.__phases`. */
const PHASES = `(() => {
  window.__phases = [];
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => { if (e.data && e.data.type === 'phase') window.__phases.push(e.data.phase); });
    }
  };
})();`;

const phaseWords = (p: { name: string; epoch?: number }) => (p.epoch ? `${p.name} ${p.epoch}` : p.name);

/** Where a status text falls in a run's order (-1: not a phase). */
function rank(text: string): number {
  const order: [RegExp, (m: RegExpMatchArray) => number][] = [
    [/^Starting/, () => 0],
    [/^Reading data/, () => 1],
    [/^Building the model/, () => 2],
    [/^Compiling kernels/, () => 3],
    [/^Training epoch (\d+)/, (m) => 10 * Number(m[1])],
    [/^Validating epoch (\d+)/, (m) => 10 * Number(m[1]) + 1],
    [/^Saving checkpoint (\d+)/, (m) => 10 * Number(m[1]) + 2],
    [/^Done/, () => 1000],
  ];
  for (const [re, at] of order) {
    const m = text.match(re);
    if (m) return at(m);
  }
  return -1;
}

describe('honest status', () => {
  it('names_the_phases_in_order_and_shows_an_eta_only_once_the_pace_is_known', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      await context.addInitScript({ content: PHASES });
      await page.reload(); // with the Worker wrapped from the start
      await page.getByRole('tab', { name: 'Settings' }).click();
      // Long enough (750 steps) for the pace to be measured after the first steps.
      await page.getByLabel('Samples').fill('10000');
      await page.getByLabel('Epochs').fill('3');
      await page.getByLabel('Batch size').fill('32');
      await page.getByLabel('Backend').selectOption('cpu');
      await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.primary')?.disabled, undefined, { timeout: 60_000 });
      await recordStatus(page);
      await page.getByRole('button', { name: 'Start training' }).click();
      await page.locator('.status .eta', { hasText: /^(about|a few)/ }).waitFor({ timeout: 120_000 });
      await page.locator('.status').screenshot({ path: join(tmpdir(), 'kiln-status-bar.png') });
      await statusMatches(page, /Done/);
      const doneAt = await page.evaluate(() => performance.now());
      const { said, eta, phases } = await page.evaluate(() => {
        const w = window as unknown as { __said: [number, string][]; __eta: [number, string][]; __phases: { name: string; epoch?: number }[] };
        return { said: w.__said, eta: w.__eta, phases: w.__phases };
      });

      // The worker names every phase, once each, in the order they happen.
      expect(phases.map(phaseWords)).toEqual(['data', 'model', 'compile', ...[1, 2, 3].flatMap((e) => [`train ${e}`, `valid ${e}`, `checkpoint ${e}`])]);
      // The status line shows them in that order (a phase shorter than a frame may not be drawn), never "Loading".
      const ranks = said.map(([, text]) => rank(text)).filter((r) => r >= 0);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      for (const words of ['Training epoch 1 of 3', 'Validating epoch 1 of 3', 'Training epoch 3 of 3', 'Done']) {
        expect(said.some(([, text]) => text.startsWith(words))).toBe(true);
      }
      expect(said.some(([, text]) => /Reading data|Building the model|Compiling kernels/.test(text))).toBe(true);
      expect(said.some(([, text]) => /Loading the dataset/.test(text))).toBe(false);

      // Time left: measured first, then "about m:ss left (m:ss–m:ss)". The first estimate is of the run's pace, not of its start:
      // within a few times the time the run still took (the pace of tfjs-cpu grows as its code warms up, on a shared machine).
      expect(eta[0][1]).toBe('time left: measuring');
      const first = eta.find(([, text]) => /left/.test(text) && text !== 'time left: measuring')!;
      expect(first[1]).toMatch(/^(about \d+:\d\d left( \(\d+:\d\d–\d+:\d\d\))?|a few seconds left)$/);
      const seconds = (t: string) => t.split(':').reduce((s, v) => s * 60 + Number(v), 0);
      const said0 = first[1].match(/about (\d+:\d\d)/)?.[1];
      const left = (doneAt - first[0]) / 1000;
      if (said0) expect(seconds(said0)).toBeLessThan(3 * left + 10);
      expect(readFileSync(join(tmpdir(), 'kiln-status-bar.png')).length).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  }, 240_000);

  it('says_why_it_is_not_ready_instead_of_ready_while_start_cannot_start', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      await page.getByLabel('Epochs').fill('0');
      await statusMatches(page, /Not ready: Fix the marked fields/, 30_000);
      expect(await page.getByRole('button', { name: 'Start training' }).isDisabled()).toBe(true);
      await page.getByLabel('Epochs').fill('2');
      await statusMatches(page, /^Ready/, 30_000);
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe('runs', () => {
  /** The runs list's item of the run named `name` exactly. */
  const item = (page: Page, name: string) => page.locator('.runs li', { has: page.getByRole('button', { name: `Open ${name}`, exact: true }) });

  it('names_runs_keeps_the_best_checkpoint_ties_banners_to_their_run_and_imports_with_the_original_date', async () => {
    const { context, page } = await openStudio(url, false);
    try {
      // A learning rate too high for its own good: on cpu (deterministic, seeded) valid accuracy peaks at epoch 2 of 3.
      await page.getByLabel('Checkpoints to keep').fill('1');
      await page.getByLabel('Learning rate', { exact: true }).fill('0.2');
      await startRun(page, { samples: 200, epochs: 3, backend: 'cpu' });
      await statusMatches(page, /Done/);
      const a = 'MNIST 200 · MLP 128 relu · adam 0.2';
      const b = 'MNIST 100 · MLP 128 relu · adam 0.001';
      await page.getByLabel('Learning rate', { exact: true }).fill('0.001');
      await startRun(page, { samples: 100, epochs: 1, backend: 'cpu' });
      await page.locator('.run-title', { hasText: b }).waitFor();
      await statusMatches(page, /Done/);
      await page.getByRole('tab', { name: 'Runs (2)' }).click();
      const first = await item(page, a).innerText();
      // One checkpoint kept (the last), and the best epoch's beside it, marked.
      const m = first.match(/best valid Accuracy [\d.]+ \(epoch (\d)\) · checkpoints (.+)/);
      expect(m).not.toBeNull();
      expect(m![1]).toBe('2');
      expect(m![2]).toBe('2 (best), 3');
      await page.locator('.runs').screenshot({ path: join(tmpdir(), 'kiln-runs-list.png') });

      // The export's notice belongs to run A: it is gone once run B is opened.
      await page.getByRole('button', { name: `Open ${a}`, exact: true }).click();
      await page.getByLabel('Run artifacts').waitFor();
      expect(await page.getByRole('table', { name: 'Checkpoints' }).innerText()).toMatch(/^Checkpoint 2 \(best valid Accuracy\)\s.*\nCheckpoint 3\s/s);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export run' }).click()]);
      await page.locator('.notice', { hasText: /^Downloaded / }).waitFor();
      // The opened run's details come before its log.
      const order = await page.evaluate(() => {
        const details = document.querySelector('[aria-label="Run artifacts"]')!;
        const log = document.querySelector('[aria-label="Experiment log"]')!;
        return details.compareDocumentPosition(log) & Node.DOCUMENT_POSITION_FOLLOWING;
      });
      expect(order).toBeTruthy();
      await page.getByRole('button', { name: `Open ${b}`, exact: true }).click();
      await page.getByLabel('Run artifacts').getByRole('heading', { name: b }).waitFor();
      expect(await page.locator('.notice').count()).toBe(0);

      // Imported: the original status and date, and a word that it was imported.
      const bytes = readFileSync((await download.path())!);
      await page.getByLabel('Import run or checkpoint (.zip)').setInputFiles({ name: 'a.zip', mimeType: 'application/zip', buffer: bytes });
      await page.locator('.notice', { hasText: `Imported a.zip as “${a}”.` }).waitFor({ timeout: 60_000 });
      await page.getByRole('tab', { name: 'Runs (3)' }).waitFor();
      const items = page.locator('.runs li', { hasText: 'imported from a.zip' });
      expect(await items.count()).toBe(1);
      const imported = await items.innerText();
      const dateOf = (text: string) =>
        text
          .split('\n')
          .find((l) => l.includes(' · MNIST'))!
          .split(' · ')[0];
      expect(imported.startsWith(a)).toBe(true);
      expect(await items.locator('.badge').allInnerTexts()).toEqual(['done', 'imported']);
      expect(dateOf(imported)).toBe(dateOf(first));
      expect(imported).toContain(m![0]);
      await page.locator('.runs').screenshot({ path: join(tmpdir(), 'kiln-runs-imported.png') });
    } finally {
      await context.close();
    }
  }, 300_000);
});
