import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageMime, ImageShape, PixelDecoder } from '../data/images/base';
import { placement } from '../data/images/pixels';

/** Decoded RGBA, width × height, straight alpha. */
interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

function decodeRgba(bytes: Uint8Array, mime: ImageMime): Rgba {
  if (mime === 'image/png') return PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (mime === 'image/jpeg') return decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
  throw new Error(`${mime.slice(6).toUpperCase()} images are not read from the command line; convert to PNG or JPEG`);
}

/**
 * Node's decoder for the command line: PNG (pngjs) and JPEG (jpeg-js), fitted to the run's shape as
 * the studio's decoder fits them (crop or letterbox, over black), resampled by area averaging where
 * the browser uses its own high-quality filter, so a pixel may differ by a level or two.
 */
export class NodeDecoder implements PixelDecoder {
  async decode(bytes: Uint8Array<ArrayBuffer>, mime: ImageMime, shape: ImageShape): Promise<Uint8ClampedArray> {
    const image = decodeRgba(bytes, mime);
    const p = placement(image.width, image.height, shape.size, shape.fit);
    const out = new Uint8ClampedArray(shape.size * shape.size * 4);
    for (let i = 3; i < out.length; i += 4) out[i] = 255;
    const sx = p.sw / p.dw;
    const sy = p.sh / p.dh;
    for (let y = 0; y < p.dh; y++) {
      const y0 = p.sy + y * sy;
      const y1 = y0 + sy;
      for (let x = 0; x < p.dw; x++) {
        const x0 = p.sx + x * sx;
        const x1 = x0 + sx;
        const sum = [0, 0, 0];
        let area = 0;
        // Every source pixel the destination pixel covers, weighted by the overlap; alpha over black.
        for (let v = Math.floor(y0); v < Math.min(Math.ceil(y1), image.height); v++) {
          const wy = Math.min(y1, v + 1) - Math.max(y0, v);
          for (let u = Math.floor(x0); u < Math.min(Math.ceil(x1), image.width); u++) {
            const w = wy * (Math.min(x1, u + 1) - Math.max(x0, u));
            const at = 4 * (v * image.width + u);
            const alpha = image.data[at + 3] / 255;
            for (let k = 0; k < 3; k++) sum[k] += w * image.data[at + k] * alpha;
            area += w;
          }
        }
        const o = 4 * ((p.dy + y) * shape.size + p.dx + x);
        for (let k = 0; k < 3; k++) out[o + k] = Math.round(sum[k] / area);
      }
    }
    return out;
  }
}
