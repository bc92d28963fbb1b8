import type { DatasetCard } from '../card';
import type { TensorData } from '../dataset';
import { DATA_LIMITS, DataError } from '../errors';
import type { Split } from '../split';
import { formatBytes } from '../../util/bytes';
import { IMAGE_LIMITS, imageShape, type ImageEntry, type ImageShape, type ImageSource, type PixelDecoder } from './base';
import { PixelBudget } from './budget';
import { imageCard } from './card';
import { headerPixels } from './dimensions';
import { findLayout, type Skip } from './layout';
import { writePixels } from './pixels';
import { hasImageExtension, READ_FORMATS, sniffImage } from './sniff';

/** How to read a folder of images. */
export interface ReadImagesOptions {
  readonly decoder: PixelDecoder;
  /** Missing fields default as {@link imageShape} says: 28×28 gray, centre-cropped. */
  readonly shape?: Partial<ImageShape>;
  /** Called as images finish, about a hundred times in all. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** Images in flight at once (16); large images are held to fewer by a budget of decoded pixels. */
  readonly concurrency?: number;
}

/** A folder of images, read: the tensors, the card, and the split when the folder gave one. */
export interface ImageDataset {
  /** Rows in the layout's order; when files were skipped, x views the front of the buffer allocated for all. */
  readonly data: TensorData & { readonly y: Int32Array; readonly numClasses: number; readonly classNames: readonly string[] };
  readonly card: DatasetCard;
  /** Rows of train/ and valid/ when the folder came split; absent: split it (stratifiedSplit). */
  readonly split?: Split;
}

/**
 * The browser decodes off the calling thread, so several images in flight keep it busy (small
 * ones gain up to about 16); large ones are further held to about 256 MiB of RGBA decoding at once,
 * judged from their headers, since a file's size says little (a flat 24-megapixel PNG is tiny).
 */
const CONCURRENCY = 16;
const DECODING_PIXELS = 64 * 2 ** 20;
/** What a decode is charged when its header states no size (it will most likely fail to decode). */
const UNKNOWN_PIXELS = 4 * 2 ** 20;

/**
 * Reads a folder or zip of class folders into one float32 buffer (HWC, [0, 1]) allocated up front
 * for every candidate image. Files that are not images, or do not decode, are skipped and listed
 * on the card; problems with the folder as a whole throw a DataError naming it.
 */
export async function readImages(source: ImageSource, options: ReadImagesOptions): Promise<ImageDataset> {
  const shape = imageShape(options.shape);
  const layout = findLayout(
    source.name,
    source.entries.map((e) => e.path),
    source.folders,
  );
  const { items } = layout;
  const size = shape.size * shape.size * shape.channels;
  const bytes = items.length * size * 4;
  if (bytes > DATA_LIMITS.decodedBytes) {
    throw new DataError(
      source.name,
      `${items.length} images at ${shape.size}×${shape.size}×${shape.channels} take ${formatBytes(bytes)} as float32, over the ${formatBytes(DATA_LIMITS.decodedBytes)} limit; choose a smaller size${shape.channels === 3 ? ' or gray' : ''}`,
    );
  }
  const x = new Float32Array(items.length * size);
  const reasons: (string | undefined)[] = new Array(items.length);
  const step = Math.max(1, Math.floor(items.length / 100));
  let done = 0;
  options.onProgress?.(0, items.length);
  const budget = new PixelBudget(DECODING_PIXELS);
  await runPool(items.length, options.concurrency ?? CONCURRENCY, options.signal, async (i) => {
    reasons[i] = await decodeInto(source.entries[items[i].entry], { decoder: options.decoder, budget, shape }, x, i * size);
    if (++done % step === 0 || done === items.length) options.onProgress?.(done, items.length);
  });

  // Close the gaps the skipped files left, in place, so the rows keep the layout's order.
  const skipped: Skip[] = [...source.skipped, ...layout.skipped];
  const labels: number[] = [];
  const paths: string[] = [];
  let validFrom: number | undefined;
  for (let i = 0; i < items.length; i++) {
    const path = source.entries[items[i].entry].path;
    const reason = reasons[i];
    if (reason !== undefined) {
      skipped.push({ path, reason });
      continue;
    }
    const row = labels.length;
    if (row !== i) x.copyWithin(row * size, i * size, (i + 1) * size);
    if (items[i].split === 'valid') validFrom ??= row;
    labels.push(items[i].label);
    paths.push(path);
  }
  if (layout.givenSplit) validFrom ??= labels.length;
  const { classNames, y, warnings } = keepReadableClasses(source.name, layout.classNames, labels, reasons, items);
  const rows = y.length;
  const data = {
    x: rows === items.length ? x : x.subarray(0, rows * size),
    itemShape: [shape.size, shape.size, shape.channels],
    y,
    numClasses: classNames.length,
    classNames,
  };
  const card = imageCard({ source: source.name, shape, x: data.x, y, classNames, paths, validFrom, warnings: [...layout.warnings, ...warnings], skipped });
  const split = validFrom === undefined ? undefined : { train: range(0, validFrom), valid: range(validFrom, rows) };
  return { data, card, ...(split ? { split } : {}) };
}

/** Decodes one entry into x[offset…]; returns why it was skipped, or undefined when it was read. */
async function decodeInto(
  entry: ImageEntry,
  { decoder, budget, shape }: { decoder: PixelDecoder; budget: PixelBudget; shape: ImageShape },
  x: Float32Array,
  offset: number,
): Promise<string | undefined> {
  if (entry.size > IMAGE_LIMITS.fileBytes) return `larger than the ${formatBytes(IMAGE_LIMITS.fileBytes)} limit for one image`;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await entry.bytes();
  } catch (e) {
    if (e instanceof DataError) throw e; // a limit broken: the whole source is refused
    return `could not be read (${(e as Error).message})`;
  }
  const sniffed = sniffImage(bytes);
  if (sniffed.kind === 'unsupported') return `${sniffed.format} images are not read; convert to PNG or JPEG`;
  if (sniffed.kind === 'other') return hasImageExtension(entry.path) ? `corrupt image: its bytes are not ${READ_FORMATS}` : `not an image (${READ_FORMATS})`;
  const pixels = headerPixels(bytes, sniffed.mime) ?? UNKNOWN_PIXELS;
  let rgba: Uint8ClampedArray;
  await budget.take(pixels);
  try {
    rgba = await decoder.decode(bytes, sniffed.mime, shape);
  } catch (e) {
    return `corrupt image: ${(e as Error).message}`;
  } finally {
    budget.give(pixels);
  }
  if (rgba.length !== shape.size * shape.size * 4) throw new Error(`the decoder gave ${rgba.length} bytes for a ${shape.size}×${shape.size} RGBA image`);
  writePixels(rgba, shape.channels, x, offset);
  return undefined;
}

/**
 * Classes whose every file was skipped are left out (labels renumbered, order kept); fewer than two
 * left is an error, as it is for empty folders.
 */
function keepReadableClasses(
  source: string,
  names: readonly string[],
  labels: readonly number[],
  reasons: readonly (string | undefined)[],
  items: readonly { label: number }[],
) {
  const counts = names.map(() => 0);
  for (const l of labels) counts[l]++;
  const lost = names.filter((_, c) => counts[c] === 0);
  const firstReason = (name: string) => reasons[items.findIndex((it) => names[it.label] === name)];
  const why = lost.map((name) => `${name}/ (${firstReason(name)})`).join(', ');
  if (names.length - lost.length < 2) throw new DataError(source, `fewer than 2 classes hold readable images; no file of ${why} could be read`);
  const renumber = new Map<number, number>();
  names.forEach((_, c) => counts[c] > 0 && renumber.set(c, renumber.size));
  return {
    classNames: names.filter((_, c) => counts[c] > 0),
    y: Int32Array.from(labels, (l) => renumber.get(l)!),
    warnings: lost.map((name) => `class ${name} left out: none of its files is a readable image (${firstReason(name)})`),
  };
}

/** Runs work(0…n-1) with at most `width` in flight, in index order; stops at the first failure or on abort. */
async function runPool(n: number, width: number, signal: AbortSignal | undefined, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < n && !failed) {
      signal?.throwIfAborted();
      try {
        await work(next++);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, n)) }, lane));
}

function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, i) => from + i);
}
