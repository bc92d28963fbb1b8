import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Worker as PageWorker } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM, chromiumFlags } from './chromium';

/** A module worker in headless Chromium that can import the repository's sources (`src/…`) as they are. */
export interface SourceWorker {
  readonly worker: PageWorker;
  /** The dev server's origin: `${origin}/src/data/images/index.ts` imports that module. */
  readonly origin: string;
  close(): Promise<void>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const PAGE = '/__kiln-worker.html';

/**
 * Serves the repository with vite's dev server (no config file: the studio's plugins are not
 * needed, and nothing is pre-bundled, so no reload can interrupt the page) and opens a module
 * worker on a blank page: code runs where the studio runs it, in a worker; with `webgpu`, Chromium's
 * WebGPU is on (SwiftShader on machines without a GPU). `deps` are pre-bundled before the page
 * opens (packages with CommonJS inside, such as tfjs), so no reload interrupts it.
 */
export async function openSourceWorker(webgpu = false, deps: string[] = []): Promise<SourceWorker> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const cacheDir = mkdtempSync(join(tmpdir(), 'kiln-worker-vite-'));
  const profile = mkdtempSync(join(tmpdir(), 'kiln-worker-chromium-'));
  const server = await createServer({
    root,
    configFile: false,
    cacheDir,
    logLevel: 'warn',
    optimizeDeps: { noDiscovery: true, include: deps },
    server: { port: 0, strictPort: false, hmr: false, watch: null },
    plugins: [
      { name: 'kiln-worker-page', configureServer: (s) => void s.middlewares.use(PAGE, (_req, res) => res.end('<!doctype html><title>worker</title>')) },
    ],
  });
  let context: BrowserContext | null = null;
  const close = async () => {
    await context?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  };
  try {
    await server.listen();
    const address = server.httpServer?.address();
    const origin = `http://localhost:${typeof address === 'object' && address ? address.port : 5173}`;
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: chromiumFlags(webgpu) });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(origin + PAGE);
    const [worker] = await Promise.all([
      page.waitForEvent('worker'),
      // Held by the page, so the idle worker is not collected.
      page.evaluate(() => {
        (window as unknown as { kilnWorker: Worker }).kilnWorker = new Worker(URL.createObjectURL(new Blob([''], { type: 'text/javascript' })), {
          type: 'module',
        });
      }),
    ]);
    // Functions sent to the worker are compiled by esbuild, which may wrap them in its __name helper.
    await worker.evaluate('globalThis.__name = (f) => f');
    return { worker, origin, close };
  } catch (e) {
    await close();
    throw e;
  }
}
