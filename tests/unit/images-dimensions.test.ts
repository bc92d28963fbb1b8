import { describe, expect, it } from 'vitest';
import { filesSource, headerPixels, PixelBudget, readImages, type PixelDecoder } from '../../src/data/images';
import { png } from '../fixtures/images/png';

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const le16 = (v: number) => [v & 0xff, v >> 8];
const le32 = (v: number) => [...le16(v & 0xffff), ...le16(v >>> 16)];

/** A RIFF/WEBP file's first 30 bytes, with `chunk` and its payload from byte 20. */
const webp = (chunk: string, payload: number[]) =>
  new Uint8Array([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBP'), ...ascii(chunk), 0, 0, 0, 0, ...payload, ...new Array(10).fill(0)]);

describe('image sizes from headers', () => {
  it('reads_width_times_height_of_each_format_without_decoding', () => {
    expect(
      headerPixels(
        png(7, 3, () => [0, 0, 0]),
        'image/png',
      ),
    ).toBe(21);
    expect(headerPixels(new Uint8Array([...ascii('GIF89a'), ...le16(300), ...le16(200), 0]), 'image/gif')).toBe(60_000);
    const bmp = (height: number) => new Uint8Array([...ascii('BM'), ...new Array(12).fill(0), ...le32(40), ...le32(640), ...le32(height >>> 0)]);
    expect(headerPixels(bmp(480), 'image/bmp')).toBe(640 * 480);
    expect(headerPixels(bmp(-480), 'image/bmp')).toBe(640 * 480); // top-down rows
    // A JFIF segment, then SOF2 (progressive): 200 wide, 100 high.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc2, 0, 17, 8, 0, 100, 0, 200, 3]);
    expect(headerPixels(jpeg, 'image/jpeg')).toBe(20_000);
    expect(headerPixels(webp('VP8X', [0, 0, 0, 0, ...le16(1023), 0, ...le16(767), 0]), 'image/webp')).toBe(1024 * 768);
    expect(headerPixels(webp('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(320), ...le16(240)]), 'image/webp')).toBe(320 * 240);
    // Lossless: 14 bits of width - 1, then 14 of height - 1, after the 0x2f signature.
    expect(headerPixels(webp('VP8L', [0x2f, ...le32((99 << 14) | 49)]), 'image/webp')).toBe(50 * 100);
  });

  it('says_nothing_for_a_header_cut_short', () => {
    expect(headerPixels(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'image/png')).toBeUndefined();
    expect(headerPixels(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]), 'image/jpeg')).toBeUndefined();
  });
});

describe('decoded pixels in flight', () => {
  it('waits_while_the_budget_is_spent_but_lets_one_oversized_image_through_alone', async () => {
    const budget = new PixelBudget(10);
    await budget.take(6);
    let second = false;
    const waiting = budget.take(6).then(() => (second = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toBe(false);
    budget.give(6);
    await waiting;
    expect(second).toBe(true);
    budget.give(6);
    await budget.take(50); // larger than the budget: runs, alone
    budget.give(50);
  });

  it('holds_large_images_to_fewer_decodes_at_once_than_small_ones', async () => {
    // PNG headers stating 4096 × 4096 (16 Mpx): a 64 Mpx budget lets four decode at once.
    const header = (side: number) => png(1, 1, () => [0, 0, 0]).map((b, i) => (i >= 16 && i < 24 ? [0, 0, side >> 8, side & 0xff][i % 4] : b));
    let inFlight = 0;
    let most = 0;
    const decoder: PixelDecoder = {
      decode: async (_bytes, _mime, shape) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return new Uint8ClampedArray(shape.size * shape.size * 4);
      },
    };
    const run = async (side: number) => {
      most = 0;
      const files = Array.from({ length: 40 }, (_, i) => ({ path: `p/${i % 2}/${i}.png`, file: new Blob([header(side)]) }));
      await readImages(filesSource({ name: 'p', files, folders: [] }), { decoder });
      return most;
    };
    expect(await run(4096)).toBe(4);
    expect(await run(64)).toBe(16);
  });
});
