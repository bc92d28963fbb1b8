import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSourceWorker } from '../scripts/source-worker';

/** What {@link benchImages} measured: decoding and fitting to 28×28 gray, files already in memory. */
export interface ImagesBenchResult {
  readonly imagesPerSecond: number;
  readonly images: number;
  readonly ms: number;
}

/**
 * Synthesizes `count` small images (half PNG, half JPEG, 20–64 px, of varied aspect, in ten
 * classes) in the worker with OffscreenCanvas, then times reading them through the pipeline
 * (openImageSource, readImages, BrowserDecoder) to 28×28 gray.
 */
export async function benchImages(count = 3000, concurrency?: number): Promise<ImagesBenchResult> {
  const { worker, origin, close } = await openSourceWorker();
  try {
    return await worker.evaluate(
      async ({ origin, count, concurrency }) => {
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
        const { card } = await images.readImages(source, {
          decoder: new images.BrowserDecoder(),
          shape: { size: 28, channels: 1 },
          ...(concurrency ? { concurrency } : {}),
        });
        const ms = performance.now() - started;
        if (card.skipped.length > 0) throw new Error(`skipped ${card.skipped.length}: ${card.skipped[0].reason}`);
        return { imagesPerSecond: Math.round((card.items / ms) * 1000), images: card.items, ms: Math.round(ms) };
      },
      { origin, count, concurrency },
    );
  } finally {
    await close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchImages();
  console.log(`images: ${result.images} decoded to 28×28 gray in ${result.ms} ms: ${result.imagesPerSecond} images/s`);
}
