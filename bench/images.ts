import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Worker as PageWorker } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM, chromiumFlags } from '../scripts/chromium';

/** What {@link benchImages} measured: decoding and fitting to 28×28 gray, files already in memory. */
export interface ImagesBenchResult {
  readonly imagesPerSecond: number;
  readonly images: number;
  readonly ms: number;
}

/** A module worker in headless Chromium that can import the repository's sources (`src/…`) as they are. */
export interface ImagesWorker {
  readonly worker: PageWorker;
  /** The dev server's origin: `${origin}/src/data/images/index.ts` imports the reader. */
  readonly origin: string;
  close(): Promise<void>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const PAGE = '/__kiln-images.html';

/**
 * Serves the repository with vite's dev server (no config file: the studio's plugins are not
 * needed, and nothing is pre-bundled, so no reload can interrupt the page) and opens a module
 * worker on a blank page: the reader runs where the studio runs it, in a worker.
 */
export async function openImagesWorker(): Promise<ImagesWorker> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const cacheDir = mkdtempSync(join(tmpdir(), 'kiln-images-vite-'));
  const profile = mkdtempSync(join(tmpdir(), 'kiln-images-chromium-'));
  const server = await createServer({
    root,
    configFile: false,
    cacheDir,
    logLevel: 'warn',
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { port: 0, strictPort: false, hmr: false, watch: null },
    plugins: [{ name: 'kiln-images-page', configureServer: (s) => void s.middlewares.use(PAGE, (_req, res) => res.end('<!doctype html><title>images</title>')) }],
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
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: chromiumFlags(false) });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(origin + PAGE);
    const [worker] = await Promise.all([
      page.waitForEvent('worker'),
      // Held by the page, so the idle worker is not collected.
      page.evaluate(() => {
        (window as unknown as { imagesWorker: Worker }).imagesWorker = new Worker(URL.createObjectURL(new Blob([''], { type: 'text/javascript' })), { type: 'module' });
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

/**
 * Synthesizes `count` small images (half PNG, half JPEG, 20–64 px, of varied aspect, in ten
 * classes) in the worker with OffscreenCanvas, then times reading them through the pipeline
 * (openImageSource, readImages, BrowserDecoder) to 28×28 gray.
 */
export async function benchImages(count = 3000, concurrency?: number): Promise<ImagesBenchResult> {
  const { worker, origin, close } = await openImagesWorker();
  try {
    return await worker.evaluate(async ({ origin, count, concurrency }) => {
      const images = (await import(`${origin}/src/data/images/index.ts`)) as typeof import('../src/data/images');
      const files = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const [w, h] = [20 + ((i * 7) % 45), 20 + ((i * 13) % 45)];
          const c = new OffscreenCanvas(w, h);
          const g = c.getContext('2d')!;
          g.fillStyle = `rgb(${i % 256}, ${(i * 3) % 256}, ${(i * 5) % 256})`;
          g.fillRect(0, 0, w, h);
          g.fillStyle = '#fff';
          g.beginPath();
          g.arc(w / 2, h / 2, Math.min(w, h) / 3, 0, 2 * Math.PI);
          g.fill();
          const type = i % 2 ? 'image/jpeg' : 'image/png';
          const file = await c.convertToBlob({ type, quality: 0.9 });
          return { path: `bench/${i % 10}/${i}.${type === 'image/png' ? 'png' : 'jpg'}`, file };
        }),
      );
      const started = performance.now();
      const source = await images.openImageSource({ name: 'bench', files, folders: [] });
      const { card } = await images.readImages(source, { decoder: new images.BrowserDecoder(), shape: { size: 28, channels: 1 }, ...(concurrency ? { concurrency } : {}) });
      const ms = performance.now() - started;
      if (card.skipped.length > 0) throw new Error(`skipped ${card.skipped.length}: ${card.skipped[0].reason}`);
      return { imagesPerSecond: Math.round((card.items / ms) * 1000), images: card.items, ms: Math.round(ms) };
    }, { origin, count, concurrency });
  } finally {
    await close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchImages();
  console.log(`images: ${result.images} decoded to 28×28 gray in ${result.ms} ms: ${result.imagesPerSecond} images/s`);
}
