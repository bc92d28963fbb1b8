import type { ImageMime } from './base';

const be16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const le16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const le24 = (b: Uint8Array, at: number) => le16(b, at) | (b[at + 2] << 16);
const be32 = (b: Uint8Array, at: number) => be16(b, at) * 0x10000 + be16(b, at + 2);
const le32 = (b: Uint8Array, at: number) => le16(b, at) + le16(b, at + 2) * 0x10000;

/**
 * Width × height as the image's header states it, read without decoding (undefined when the
 * header is cut short or unknown): how much memory a decode will take, whatever the file's size.
 */
export function headerPixels(bytes: Uint8Array, mime: ImageMime): number | undefined {
  const size = dimensions(bytes, mime);
  return size && size[0] > 0 && size[1] > 0 ? size[0] * size[1] : undefined;
}

function dimensions(b: Uint8Array, mime: ImageMime): [number, number] | undefined {
  switch (mime) {
    case 'image/png':
      return b.length >= 24 ? [be32(b, 16), be32(b, 20)] : undefined;
    case 'image/gif':
      return b.length >= 10 ? [le16(b, 6), le16(b, 8)] : undefined;
    case 'image/bmp':
      if (b.length < 26) return undefined;
      // The old OS/2 header has 16-bit sizes; the others 32-bit, the height negative when top-down.
      return le32(b, 14) === 12 ? [le16(b, 18), le16(b, 20)] : [le32(b, 18) | 0, Math.abs(le32(b, 22) | 0)];
    case 'image/webp':
      return webpDimensions(b);
    case 'image/jpeg':
      return jpegDimensions(b);
  }
}

function webpDimensions(b: Uint8Array): [number, number] | undefined {
  if (b.length < 30) return undefined;
  const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
  if (chunk === 'VP8X') return [1 + le24(b, 24), 1 + le24(b, 27)];
  if (chunk === 'VP8 ') return [le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff];
  if (chunk === 'VP8L') return [1 + (le16(b, 21) & 0x3fff), 1 + ((le32(b, 21) >>> 14) & 0x3fff)];
  return undefined;
}

/** The size in the first start-of-frame segment, walking the segments before it. */
function jpegDimensions(b: Uint8Array): [number, number] | undefined {
  for (let at = 2; at + 9 <= b.length; ) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return [be16(b, at + 7), be16(b, at + 5)];
    at += marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9) ? 2 : 2 + be16(b, at + 2);
  }
  return undefined;
}
