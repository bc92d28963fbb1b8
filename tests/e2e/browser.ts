import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumFlags } from '../../scripts/chromium';

/** A fresh Debian chromium profile with a page that records long tasks (start and duration, ms) into `window.__longTasks`. */
export async function openStudio(url: string, webgpu: boolean): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'kiln-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumFlags(webgpu),
    viewport: { width: 1280, height: 900 },
  });
  await context.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask', buffered: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { context, page, errors };
}

/** Fills the run form's basic fields and presses Start training once it is enabled. */
export async function startRun(page: Page, o: { samples: number; epochs: number; batchSize?: number; backend?: string }): Promise<void> {
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByLabel('Samples').fill(String(o.samples));
  await page.getByLabel('Epochs').fill(String(o.epochs));
  await page.getByLabel('Batch size').fill(String(o.batchSize ?? 32));
  if (o.backend) await page.getByLabel('Backend').selectOption(o.backend);
  await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.primary')?.disabled, undefined, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Start training' }).click();
}

/** Waits until the status line matches. */
export async function statusMatches(page: Page, re: RegExp, timeout = 120_000): Promise<string> {
  const status = page.getByRole('status');
  await status.filter({ hasText: re }).waitFor({ timeout });
  return status.innerText();
}
