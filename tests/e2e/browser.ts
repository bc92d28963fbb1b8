import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumFlags } from '../../scripts/chromium';

/** A main-thread task over 50 ms (start and duration, ms from navigation), with the scripts its frame ran. */
export interface LongTask {
  readonly start: number;
  readonly duration: number;
  readonly scripts: string;
}

/**
 * Records long tasks and the long animation frames' script attribution (which script, which
 * function, for how long) into `window.__longTasks` / `window.__frames`. A string, not a function:
 * the transpiler's name helpers do not exist in the page.
 */
const OBSERVE = `(() => {
  window.__longTasks = [];
  window.__frames = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__longTasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => list.getEntries().forEach((f) => f.blockingDuration > 0 && window.__frames.push({
    start: f.startTime, end: f.startTime + f.duration,
    scripts: f.scripts.map((s) => s.invoker + ' ' + (s.sourceFunctionName || '?') + ' (' + s.sourceURL.replace(/^.*\\//, '') + ') ' + Math.round(s.duration) + ' ms').join('; '),
  }))).observe({ type: 'long-animation-frame', buffered: true });
})();`;

/** The long tasks so far, each with the scripts of the frame it fell in. */
export async function longTasks(page: Page): Promise<LongTask[]> {
  type Frame = { start: number; end: number; scripts: string };
  const { tasks, frames } = await page.evaluate(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[]; __frames: Frame[] };
    return { tasks: w.__longTasks, frames: w.__frames };
  });
  return tasks.map((t) => ({
    ...t,
    scripts: frames.find((f) => f.start <= t.start + 1 && t.start < f.end)?.scripts || 'no script (style, layout, paint or the browser)',
  }));
}

/** The moment (ms from navigation) `selector` first matches an enabled element, checked every frame. */
export async function enabledAt(page: Page, selector: string, timeout = 120_000): Promise<number> {
  const handle = await page.waitForFunction(
    (s) => {
      const el = document.querySelector<HTMLButtonElement>(s);
      return el && !el.disabled ? performance.now() : false;
    },
    selector,
    { polling: 'raf', timeout },
  );
  return (await handle.jsonValue()) as number;
}

/** A fresh Debian chromium profile with a page that records its long tasks (see {@link longTasks}). */
export async function openStudio(url: string, webgpu: boolean): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'kiln-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumFlags(webgpu),
    viewport: { width: 1280, height: 900 },
  });
  await context.addInitScript({ content: OBSERVE });
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

/** Three classes that two numbers tell apart, with a text column to one-hot encode. */
export function flowersCsv(rows: number): string {
  const lines = ['length,width,colour,species'];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    lines.push(
      `${(1 + 2 * c + (i % 5) * 0.1).toFixed(2)},${(0.5 + c + (i % 7) * 0.05).toFixed(2)},${['red', 'blue'][i % 2]},${['setosa', 'versicolor', 'virginica'][c]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Drops files on the data section's zone as a script-made drag would (Files, no folder entries). */
export async function drop(page: Page, files: { name: string; text?: string; bytes?: number[] }[]): Promise<void> {
  await page.locator('.dropzone').evaluate((zone, list) => {
    const transfer = new DataTransfer();
    for (const f of list) transfer.items.add(new File([f.text ?? new Uint8Array(f.bytes ?? [])], f.name));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files);
}
