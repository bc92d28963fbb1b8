import type { ImageShape } from './base';

/** Where a width × height image lands on the size × size canvas: the source rectangle and its destination. */
export interface Placement {
  readonly sx: number;
  readonly sy: number;
  readonly sw: number;
  readonly sh: number;
  readonly dx: number;
  readonly dy: number;
  readonly dw: number;
  readonly dh: number;
}

/** 'crop' takes the centred square and fills the canvas; 'pad' scales the whole image to fit, centred. */
export function placement(width: number, height: number, size: number, fit: ImageShape['fit']): Placement {
  if (fit === 'crop') {
    const side = Math.min(width, height);
    return { sx: Math.floor((width - side) / 2), sy: Math.floor((height - side) / 2), sw: side, sh: side, dx: 0, dy: 0, dw: size, dh: size };
  }
  const scale = size / Math.max(width, height);
  const dw = Math.max(1, Math.round(width * scale));
  const dh = Math.max(1, Math.round(height * scale));
  return { sx: 0, sy: 0, sw: width, sh: height, dx: Math.floor((size - dw) / 2), dy: Math.floor((size - dh) / 2), dw, dh };
}

/**
 * Writes opaque RGBA as float32 HWC in [0, 1] from x[offset]: RGB for three channels, Rec. 601
 * luma for one (integer weights, so a gray pixel v reads back exactly v / 255).
 */
export function writePixels(rgba: Uint8ClampedArray, channels: 1 | 3, x: Float32Array, offset: number): void {
  const pixels = rgba.length / 4;
  if (channels === 1) {
    for (let p = 0, i = 0; p < pixels; p++, i += 4) x[offset + p] = (299 * rgba[i] + 587 * rgba[i + 1] + 114 * rgba[i + 2]) / 255_000;
    return;
  }
  for (let p = 0, i = 0, o = offset; p < pixels; p++, i += 4, o += 3) {
    x[o] = rgba[i] / 255;
    x[o + 1] = rgba[i + 1] / 255;
    x[o + 2] = rgba[i + 2] / 255;
  }
}

/** One item as RGBA bytes, as the model sees it (gray items as gray), for the card's preview. */
export function itemRgba(x: Float32Array, offset: number, shape: ImageShape): Uint8ClampedArray {
  const pixels = shape.size * shape.size;
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < 3; k++) rgba[4 * p + k] = Math.round(255 * x[offset + p * shape.channels + (shape.channels === 1 ? 0 : k)]);
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/** FNV-1a of an item's float bits: finds exact duplicates without keeping a second copy. */
export function hashItem(x: Float32Array, offset: number, length: number): number {
  const words = new Uint32Array(x.buffer, x.byteOffset + offset * 4, length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return h >>> 0;
}
