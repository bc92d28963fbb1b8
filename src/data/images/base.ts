import { DATA_LIMITS } from '../errors';

/** One file of a dropped folder or zip; its bytes are read only when asked for. */
export interface ImageEntry {
  /** Relative, '/'-separated path inside the folder or zip. */
  readonly path: string;
  /** Bytes on disk (a zip entry: its declared unpacked size). */
  readonly size: number;
  /** The file's bytes; a zip entry is read and inflated on each call. */
  bytes(): Promise<Uint8Array<ArrayBuffer>>;
}

/** A folder or zip as the reader sees it: its files, its folders, and entries it could not offer. */
export interface ImageSource {
  /** The folder or zip the user gave, as errors and the card name it. */
  readonly name: string;
  readonly entries: readonly ImageEntry[];
  /** Folder paths seen, empty ones included, so an empty class folder can be named. */
  readonly folders: readonly string[];
  /** Entries left out before reading (encrypted, an unknown compression), each with why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/** The image formats read, by their magic bytes. */
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/bmp' | 'image/webp';

/** How each image becomes a model input: size × size pixels, gray or RGB, cropped or padded to square. */
export interface ImageShape {
  readonly size: number;
  readonly channels: 1 | 3;
  /** 'crop': centre-crop to a square, then resize; 'pad': resize to fit, letterboxed with black. */
  readonly fit: 'crop' | 'pad';
}

/**
 * Decodes one image to opaque RGBA of shape.size × shape.size, fitted as shape.fit says and
 * composited over black; rejects with the decoder's own message when the bytes do not decode.
 */
export interface PixelDecoder {
  decode(bytes: Uint8Array<ArrayBuffer>, mime: ImageMime, shape: ImageShape): Promise<Uint8ClampedArray>;
}

/** Limits on what a folder or zip of images may hold, beside {@link DATA_LIMITS}. */
export const IMAGE_LIMITS = {
  /** Bytes of one image file (a zip entry is refused past it, a folder's file skipped). */
  fileBytes: 64 * 2 ** 20,
  /** Bytes a zip's entries unpack to, together. */
  unpackedBytes: 2 * DATA_LIMITS.fileBytes,
  /** Entries of a zip, folders and ignored files included. */
  zipEntries: 4 * DATA_LIMITS.images,
} as const;

/** Sizes the reader accepts, as the run config does. */
const SIZE_RANGE = [8, 256] as const;

/** The full shape from a partial one: 28×28 gray by default, 32×32 when RGB, centre-cropped. */
export function imageShape(shape: Partial<ImageShape> = {}): ImageShape {
  const channels = shape.channels ?? 1;
  const size = shape.size ?? (channels === 3 ? 32 : 28);
  const fit = shape.fit ?? 'crop';
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${String(channels)}`);
  if (!Number.isInteger(size) || size < SIZE_RANGE[0] || size > SIZE_RANGE[1]) {
    throw new RangeError(`size must be a whole number in [${SIZE_RANGE[0]}, ${SIZE_RANGE[1]}], got ${size}`);
  }
  if (fit !== 'crop' && fit !== 'pad') throw new RangeError(`fit must be 'crop' or 'pad', got '${String(fit)}'`);
  return { size, channels, fit };
}

/** A count with its noun, singular or plural ("1 file", "3 files"). */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
