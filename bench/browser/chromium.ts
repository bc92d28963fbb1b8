import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import type { BenchArgs } from '../args';
import type { BenchBackend } from '../backends';
import { CASES } from '../cases';
import { skippedCase, type CaseResult } from '../report';
import type { KilnBench } from './main';
import { CHROMIUM, chromiumFlags } from '../../scripts/chromium';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Every case of a backend as skipped with one reason. */
const skipAll = (b: BenchBackend, args: BenchArgs, reason: string) =>
  CASES.filter((c) => args.cases.includes(c.id)).map((c) => skippedCase(b.name, c.name, c.batch, reason));

/** Runs one backend's cases in a fresh chromium profile (a backend per browser, so they share no state). */
async function runInChromium(url: string, b: BenchBackend, args: BenchArgs): Promise<CaseResult[]> {
  const profile = mkdtempSync(join(tmpdir(), 'kiln-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumFlags(b.tfBackend === 'webgpu', '--js-flags=--expose-gc'),
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'log' && console.log(m.text()));
    await page.goto(url);
    await page.waitForFunction(() => 'kilnBench' in window);
    return await page.evaluate(([name, tfBackend, cases, quick]) => (window as unknown as { kilnBench: KilnBench }).kilnBench(name, tfBackend, cases, quick), [
      b.name,
      b.tfBackend,
      args.cases,
      args.quick,
    ] as const);
  } catch (e) {
    return skipAll(b, args, `failed in chromium: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Builds the bench page (bench/browser) with vite into a temporary folder, serves it as `vite
 * preview` would, and runs each chromium backend's cases there.
 */
export async function runChromium(backends: readonly BenchBackend[], args: BenchArgs): Promise<CaseResult[]> {
  if (!existsSync(CHROMIUM)) return backends.flatMap((b) => skipAll(b, args, `${CHROMIUM} is missing (apt-get install chromium)`));
  const outDir = mkdtempSync(join(tmpdir(), 'kiln-bench-page-'));
  try {
    console.log('building the chromium bench page');
    await build({ root, configFile: false, logLevel: 'warn', build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 } });
    const server = await preview({ root, configFile: false, logLevel: 'warn', build: { outDir }, preview: { port: 0, strictPort: false } });
    try {
      const address = server.httpServer.address();
      const url = `http://localhost:${typeof address === 'object' && address ? address.port : 4173}/`;
      const results: CaseResult[] = [];
      for (const b of backends) results.push(...(await runInChromium(url, b, args)));
      return results;
    } finally {
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
