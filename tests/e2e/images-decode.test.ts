import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSourceWorker, type SourceWorker } from '../../scripts/source-worker';

/** A 1×1 GIF of two frames: red, then blue (a local colour table); only the first is read. */
const GIF = [
  ...'GIF89a'.split('').map((c) => c.charCodeAt(0)),
  1,
  0,
  1,
  0,
  0x80,
  0,
  0,
  0xff,
  0,
  0,
  0,
  0,
  0,
  0x2c,
  0,
  0,
  0,
  0,
  1,
  0,
  1,
  0,
  0,
  2,
  2,
  0x44,
  1,
  0,
  0x2c,
  0,
  0,
  0,
  0,
  1,
  0,
  1,
  0,
  0x80,
  0,
  0,
  0xff,
  0,
  0,
  0,
  2,
  2,
  0x44,
  1,
  0,
  0x3b,
];

/** A 2×2 24-bit BMP, stored bottom-up as BMPs are: top row red, bottom row blue. */
function bmp(): number[] {
  const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
  const rows = [
    [255, 0, 0, 255, 0, 0, 0, 0],
    [0, 0, 255, 0, 0, 255, 0, 0],
  ]; // BGR, padded to 4 bytes: bottom (blue) first
  const header = [...u32(40), ...u32(2), ...u32(2), 1, 0, 24, 0, ...u32(0), ...u32(16), ...u32(2835), ...u32(2835), ...u32(0), ...u32(0)];
  return [0x42, 0x4d, ...u32(14 + 40 + 16), 0, 0, 0, 0, ...u32(54), ...header, ...rows.flat()];
}

/** What the worker reads back: per class, the RGB of a few pixels of the 28×28 image, and the skips. */
interface Decoded {
  readonly classNames: string[];
  readonly pixels: Record<string, number[][]>;
  readonly skipped: { path: string; reason: string }[];
}

describe('decoding images in chromium', () => {
  let page: SourceWorker;
  beforeAll(async () => {
    page = await openSourceWorker();
  });
  afterAll(() => page?.close());

  /** Reads the five formats and a corrupt file; `bitmaps` hides WebCodecs, so createImageBitmap decodes. */
  const decode = (fit: 'crop' | 'pad', bitmaps = false) =>
    page.worker.evaluate(
      async ({ origin, gif, bmp, fit, bitmaps }): Promise<Decoded> => {
        const scope = globalThis as { ImageDecoder?: unknown };
        const webCodecs = scope.ImageDecoder;
        if (bitmaps) delete scope.ImageDecoder;
        // Built at run time, so the test runner's transform does not rewrite this import() for Node.
        const load = new Function('url', 'return import(url)') as (url: string) => Promise<typeof import('../../src/data/images')>;
        const images = await load(`${origin}/src/data/images/index.ts`);
        const drawn = async (type: string, width: number, height: number) => {
          const canvas = new OffscreenCanvas(width, height);
          const g = canvas.getContext('2d')!;
          g.fillStyle = 'rgb(200, 100, 50)';
          g.fillRect(0, 0, width, height);
          return canvas.convertToBlob({ type, quality: 1 });
        };
        const files = [
          { path: 'formats/png/wide.png', file: await drawn('image/png', 40, 20) },
          { path: 'formats/jpeg/a.jpg', file: await drawn('image/jpeg', 16, 16) },
          { path: 'formats/webp/a.webp', file: await drawn('image/webp', 16, 16) },
          { path: 'formats/gif/a.gif', file: new Blob([new Uint8Array(gif)]) },
          { path: 'formats/bmp/a.bmp', file: new Blob([new Uint8Array(bmp)]) },
          { path: 'formats/png/broken.png', file: new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13, 1, 2, 3])]) },
        ];
        const source = await images.openImageSource({ name: 'formats', files, folders: [] });
        const { data, card } = await images.readImages(source, { decoder: new images.BrowserDecoder(), shape: { size: 28, channels: 3, fit } });
        scope.ImageDecoder = webCodecs;
        const at = (row: number, col: number, item: number) =>
          Array.from(data.x.subarray(item * 2352 + (row * 28 + col) * 3, item * 2352 + (row * 28 + col) * 3 + 3), (v) => Math.round(v * 255));
        const pixels = Object.fromEntries(data.classNames.map((name, c) => [name, [at(1, 1, c), at(14, 14, c), at(26, 26, c)]]));
        return { classNames: [...data.classNames], pixels, skipped: [...card.skipped] };
      },
      { origin: page.origin, gif: GIF, bmp: bmp(), fit, bitmaps },
    );

  const near = (got: number[], want: number[], tolerance: number) => got.every((v, i) => Math.abs(v - want[i]) <= tolerance);

  it.each([
    ['webcodecs', false],
    ['createImageBitmap', true],
  ])('decodes_png_jpeg_gif_bmp_and_webp_by_their_bytes_and_skips_a_corrupt_file_with_the_decoders_message_via_%s', async (_, bitmaps) => {
    const { classNames, pixels, skipped } = await decode('crop', bitmaps);
    expect(classNames).toEqual(['bmp', 'gif', 'jpeg', 'png', 'webp']);
    const orange = [200, 100, 50];
    expect(pixels.png).toEqual([orange, orange, orange]);
    expect(pixels.jpeg.every((p) => near(p, orange, 4))).toBe(true);
    expect(pixels.webp.every((p) => near(p, orange, 4))).toBe(true);
    expect(pixels.gif).toEqual([
      [255, 0, 0],
      [255, 0, 0],
      [255, 0, 0],
    ]); // the first frame, not the blue second
    // Bottom-up rows come out the right way up: red on top, blue below.
    expect(near(pixels.bmp[0], [255, 0, 0], 2) && near(pixels.bmp[2], [0, 0, 255], 2)).toBe(true);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].path).toBe('png/broken.png');
    // Each decoder's own words, which also shows which of the two ran.
    expect(skipped[0].reason).toMatch(bitmaps ? /^corrupt image: The source image could not be decoded/ : /^corrupt image: Failed to decode frame/);
  });

  it('letterboxes_with_black_when_padding', async () => {
    const { pixels } = await decode('pad');
    // The 40 × 20 PNG fills rows 7–20 of 28; above and below is black.
    expect(pixels.png).toEqual([
      [0, 0, 0],
      [200, 100, 50],
      [0, 0, 0],
    ]);
  });
});
