import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Chromium's flags for tests here: no network chatter, WebGPU on (SwiftShader) unless `webgpu: false`. */
function flags(webgpu: boolean): string[] {
  return [
    '--no-sandbox',
    ...(webgpu ? ['--enable-unsafe-webgpu'] : []),
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
}

/** A fresh Debian chromium profile with a page that records long tasks into `window.__longTasks`. */
export async function openStudio(url: string, webgpu: boolean): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'kiln-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: flags(webgpu),
    viewport: { width: 1280, height: 900 },
  });
  await context.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { context, page, errors };
}
