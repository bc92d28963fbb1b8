import { strToU8, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DATA_LIMITS } from '../../src/data/errors';
import { filesSource, readImages, zipSource, type ImageSource, type PixelDecoder } from '../../src/data/images';
import { imageCard } from '../../src/data/images/card';
import { FakePngDecoder, png, solid } from '../fixtures/images/png';

const zipOf = (files: Zippable, name = 'pets.zip') => zipSource(new Blob([zipSync(files)]), name);
const read = (source: ImageSource, options: Partial<Parameters<typeof readImages>[1]> = {}) =>
  readImages(source, { decoder: new FakePngDecoder(), ...options });
const JPEG_GARBAGE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

describe('reading image folders', () => {
  it('reads_classes_labels_and_pixels_into_one_buffer', async () => {
    const source = await zipOf({ 'pets/dogs/a.png': solid(5, 5, 51), 'pets/cats/b.png': solid(3, 3, 255), 'pets/cats/a.png': solid(8, 4, 0) });
    const { data, card, split } = await read(source);
    expect(data.classNames).toEqual(['cats', 'dogs']);
    expect(data.numClasses).toBe(2);
    expect(data.itemShape).toEqual([28, 28, 1]);
    expect(Array.from(data.y)).toEqual([0, 0, 1]); // cats/a, cats/b, dogs/a
    expect(data.x.length).toBe(3 * 28 * 28);
    expect([data.x[0], data.x[784], data.x[2 * 784 + 300]]).toEqual([0, 1, Math.fround(51 / 255)]);
    expect(split).toBeUndefined();
    expect(card).toMatchObject({
      source: 'pets.zip',
      kind: 'images',
      task: 'classification',
      items: 3,
      inputShape: [28, 28, 1],
      classes: [
        { name: 'cats', count: 2 },
        { name: 'dogs', count: 1 },
      ],
      warnings: [],
      skipped: [],
    });
  });

  it('keeps_rgb_as_hwc_at_32_by_default_and_crops_or_pads_to_square', async () => {
    // 40 × 20: left half red, right half blue.
    const wide = png(40, 20, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255]));
    const source = await zipOf({ 'a/wide.png': wide, 'b/gray.png': solid(2, 2, 255) });
    const cropped = await read(source, { shape: { channels: 3 } });
    expect(cropped.data.itemShape).toEqual([32, 32, 3]);
    const px = (x: Float32Array, row: number, col: number) => Array.from(x.subarray((row * 32 + col) * 3, (row * 32 + col) * 3 + 3));
    // The centre square (columns 10–29): left half red, right half blue, no black.
    expect([px(cropped.data.x, 0, 0), px(cropped.data.x, 31, 31)]).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const padded = await read(source, { shape: { channels: 3, fit: 'pad' } });
    // Letterboxed: 32 × 16 in the middle rows, black above and below.
    expect([px(padded.data.x, 0, 0), px(padded.data.x, 8, 0), px(padded.data.x, 23, 31), px(padded.data.x, 24, 31)]).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
    ]);
  });

  it('uses_a_given_split_and_reports_its_counts', async () => {
    const source = await zipOf({
      'train/cats/1.png': solid(2, 2, 1),
      'train/cats/2.png': solid(2, 2, 2),
      'train/dogs/3.png': solid(2, 2, 3),
      'valid/dogs/4.png': solid(2, 2, 4),
      'valid/cats/5.png': solid(2, 2, 5),
      'test/cats/6.png': solid(2, 2, 6),
    });
    const { data, card, split } = await read(source);
    expect(Array.from(data.y)).toEqual([0, 0, 1, 0, 1]);
    expect(split).toEqual({ train: Int32Array.from([0, 1, 2]), valid: Int32Array.from([3, 4]) });
    expect(card.givenSplit).toEqual({ train: 3, valid: 2 });
    expect(card.warnings).toEqual(['test/ left out (1 file): training uses train/ and valid/']);
  });

  it('skips_files_that_are_not_images_by_their_bytes_and_lists_why', async () => {
    const source = await zipOf({
      'cats/1.png': solid(2, 2, 9),
      'cats/notes.txt': strToU8('a cat'),
      'cats/fake.png': strToU8('not really'),
      'dogs/2.jpg': solid(2, 2, 8),
      'dogs/3.jpg': JPEG_GARBAGE,
      'dogs/4.tif': new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]),
      'dogs/empty.png': new Uint8Array(),
    });
    const { data, card } = await read(source);
    expect(data.y.length).toBe(2); // a PNG named .jpg is read: the bytes decide
    expect(card.skipped).toEqual([
      { path: 'cats/fake.png', reason: 'corrupt image: its bytes are not PNG, JPEG, GIF, BMP or WebP' },
      { path: 'cats/notes.txt', reason: 'not an image (PNG, JPEG, GIF, BMP or WebP)' },
      { path: 'dogs/3.jpg', reason: 'corrupt image: The source image could not be decoded (image/jpeg).' },
      { path: 'dogs/4.tif', reason: 'TIFF images are not read; convert to PNG or JPEG' },
      { path: 'dogs/empty.png', reason: 'corrupt image: its bytes are not PNG, JPEG, GIF, BMP or WebP' },
    ]);
  });

  it('leaves_out_a_class_whose_files_all_fail_and_refuses_when_fewer_than_two_remain', async () => {
    const three = await zipOf({ 'a/1.png': solid(2, 2, 1), 'b/2.png': solid(2, 2, 2), 'c/3.txt': strToU8('x'), 'c/4.png': JPEG_GARBAGE });
    const { data, card } = await read(three);
    expect(data.classNames).toEqual(['a', 'b']);
    expect(card.warnings).toEqual(['class c left out: none of its files is a readable image (not an image (PNG, JPEG, GIF, BMP or WebP))']);
    const two = await zipOf({ 'a/1.png': solid(2, 2, 1), 'b/2.txt': strToU8('x') }, 'two.zip');
    await expect(read(two)).rejects.toThrow(
      'two.zip: fewer than 2 classes hold readable images; no file of b/ (not an image (PNG, JPEG, GIF, BMP or WebP)) could be read',
    );
  });

  it('warns_about_imbalance_empty_class_folders_and_duplicates', async () => {
    const cats = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`cats/${i}.png`, solid(3, 3, i * 20)]));
    const source = await zipOf({ ...cats, 'cats/copy.png': solid(3, 3, 0), 'dogs/1.png': solid(3, 3, 7), 'dogs/2.png': solid(3, 3, 9), 'owls/': {} });
    const { card } = await read(source);
    expect(card.warnings).toEqual([
      'empty class folder owls/ left out',
      'class imbalance: cats has 11 images, dogs 2 (5.5×); accuracy alone will flatter the model',
      '1 image duplicates another at 28×28 (e.g. cats/0.png and cats/copy.png)',
    ]);
  });

  it('warns_about_imbalance_among_hundreds_of_thousands_of_classes', () => {
    // One class a folder, one image each but the first's five: the largest and smallest classes
    // were found by spreading every count into Math.max and Math.min, which overflows the stack.
    const classes = 200_000;
    const y = Int32Array.from({ length: classes + 4 }, (_, r) => Math.max(0, r - 4));
    const card = imageCard({
      source: 'many',
      shape: { size: 1, channels: 1, fit: 'crop' },
      x: Float32Array.from(y, (_, r) => r / y.length),
      y,
      classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
      paths: Array.from(y, (c, r) => `c${c}/${r}.png`),
      warnings: [],
      skipped: [],
    });
    expect(card.classes).toHaveLength(classes);
    expect(card.warnings).toEqual(['class imbalance: c0 has 5 images, c1 1 (5×); accuracy alone will flatter the model']);
  });

  it('counts_validation_images_that_repeat_training_images', async () => {
    const source = await zipOf({
      'train/a/1.png': solid(2, 2, 1),
      'train/b/2.png': solid(2, 2, 2),
      'valid/a/3.png': solid(2, 2, 1),
      'valid/b/4.png': solid(2, 2, 4),
    });
    expect((await read(source)).card.warnings).toEqual([
      '1 image duplicates another at 28×28 (e.g. train/a/1.png and valid/a/3.png); 1 validation image repeats training images, which flatters validation',
    ]);
  });

  it('previews_a_few_images_per_class_as_the_model_sees_them', async () => {
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${i % 2 ? 'b' : 'a'}/${i}.png`, png(2, 2, () => [i * 10, 100, 0])]));
    const { card } = await read(await zipOf(files));
    const preview = card.preview;
    if (preview.kind !== 'images') throw new Error('expected an image preview');
    expect([preview.width, preview.height]).toEqual([28, 28]);
    expect(preview.samples.map((s) => s.label)).toEqual(['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']);
    const gray = Math.round((299 * 0 + 587 * 100) / 1000); // a/0.png, as one gray channel
    expect(Array.from(preview.samples[0].rgba.subarray(0, 4))).toEqual([gray, gray, gray, 255]);
    expect(preview.samples[0].rgba.length).toBe(28 * 28 * 4);
  });

  it('reports_progress_and_keeps_layout_order_whatever_order_decodes_finish_in', async () => {
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`${i % 3}/${String(i).padStart(3, '0')}.png`, solid(2, 2, i % 256)]));
    const fake = new FakePngDecoder();
    let inFlight = 0;
    let most = 0;
    const slow: PixelDecoder = {
      decode: async (bytes, mime, shape) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        inFlight--;
        return fake.decode(bytes, mime, shape);
      },
    };
    const progress: [number, number][] = [];
    const { data } = await read(await zipOf(files), { decoder: slow, concurrency: 4, onProgress: (done, total) => progress.push([done, total]) });
    expect(most).toBe(4);
    expect(progress[0]).toEqual([0, 300]);
    expect(progress.at(-1)).toEqual([300, 300]);
    expect(progress.length).toBeLessThanOrEqual(102);
    // Row r of class 0 is 0/xxx.png with value (3r) % 256.
    expect(data.x[5 * 784]).toBe(Math.fround(15 / 255));
  });

  it('stops_when_aborted', async () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i % 2}/${i}.png`, solid(2, 2, 1)]));
    const controller = new AbortController();
    const reading = read(await zipOf(files), { concurrency: 2, onProgress: (done) => done === 10 && controller.abort(), signal: controller.signal });
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses_a_dataset_over_the_decoded_size_limit_before_decoding', async () => {
    const perImage = 256 * 256 * 3 * 4;
    const n = Math.floor(DATA_LIMITS.decodedBytes / perImage) + 1;
    const decoder: PixelDecoder = { decode: () => Promise.reject(new Error('decoded nothing')) };
    const source = filesSource({ name: 'big', files: Array.from({ length: n }, (_, i) => ({ path: `big/${i % 2}/${i}.png`, file: new Blob() })), folders: [] });
    await expect(readImages(source, { decoder, shape: { size: 256, channels: 3 } })).rejects.toThrow(
      `big: ${n} images at 256×256×3 take 1025 MiB as float32, over the 1024 MiB limit; choose a smaller size or gray`,
    );
  });

  it('skips_a_folder_file_over_the_size_limit_without_reading_it', async () => {
    const big = { size: 65 * 2 ** 20, arrayBuffer: () => Promise.reject(new Error('read')) } as unknown as Blob;
    const source = filesSource({
      name: 'p',
      files: [
        { path: 'p/a/1.png', file: new Blob([solid(2, 2, 1)]) },
        { path: 'p/b/2.png', file: new Blob([solid(2, 2, 1)]) },
        { path: 'p/b/huge.png', file: big },
      ],
      folders: [],
    });
    expect((await read(source)).card.skipped).toEqual([{ path: 'b/huge.png', reason: 'larger than the 64 MiB limit for one image' }]);
  });
});
