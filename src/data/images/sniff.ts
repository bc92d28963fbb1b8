import type { ImageMime } from './base';

/** What a file's first bytes say it is. */
export type Sniffed =
  | { readonly kind: 'image'; readonly mime: ImageMime }
  /** An image format the studio does not read (named, so the user knows what to convert). */
  | { readonly kind: 'unsupported'; readonly format: string }
  | { readonly kind: 'other' };

/** The formats read, for messages. */
export const READ_FORMATS = 'PNG, JPEG, GIF, BMP or WebP';

const ascii = (bytes: Uint8Array, from: number, text: string) =>
  bytes.length >= from + text.length && [...text].every((ch, i) => bytes[from + i] === ch.charCodeAt(0));

// "BM" alone is too weak (text can start with it): the DIB header's size must be a known one.
const BMP_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
const u32le = (b: Uint8Array, at: number) => (b.length < at + 4 ? -1 : (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 2 ** 24);

/** The format of an image by its magic bytes, whatever its name says. */
export function sniffImage(bytes: Uint8Array): Sniffed {
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 'PNG\r\n\x1a\n')) return { kind: 'image', mime: 'image/png' };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { kind: 'image', mime: 'image/jpeg' };
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return { kind: 'image', mime: 'image/gif' };
  if (ascii(bytes, 0, 'BM') && BMP_HEADER_SIZES.has(u32le(bytes, 14))) return { kind: 'image', mime: 'image/bmp' };
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return { kind: 'image', mime: 'image/webp' };
  if (ascii(bytes, 0, 'II*\0') || ascii(bytes, 0, 'MM\0*')) return { kind: 'unsupported', format: 'TIFF' };
  if (ascii(bytes, 4, 'ftypavif')) return { kind: 'unsupported', format: 'AVIF' };
  if (ascii(bytes, 4, 'ftyphei') || ascii(bytes, 4, 'ftypmif1')) return { kind: 'unsupported', format: 'HEIC' };
  return { kind: 'other' };
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|jpe|jfif|gif|bmp|dib|webp|tiff?|avif|heic|heif)$/i;

/** Whether the name claims an image (so bytes that are not one make it corrupt, not "not an image"). */
export function hasImageExtension(path: string): boolean {
  return IMAGE_EXTENSIONS.test(path);
}
