import type { ImageMime, ImageShape, PixelDecoder } from './base';
import { placement } from './pixels';

/** A decoded image the canvas can draw, with the size it displays at (EXIF orientation applied). */
interface Decoded {
  readonly source: CanvasImageSource;
  readonly width: number;
  readonly height: number;
  close(): void;
}

/**
 * The browser's decoder (page or worker). WebCodecs' ImageDecoder takes the bytes as they are
 * (about twice the rate of createImageBitmap, which needs them wrapped in a Blob first, here);
 * createImageBitmap is the fallback where it is missing. Either way only the first frame of a
 * GIF is read. One OffscreenCanvas, kept on the CPU, crops or letterboxes with its high-quality
 * filter, composites over black and hands back the bytes.
 */
export class BrowserDecoder implements PixelDecoder {
  private context: OffscreenCanvasRenderingContext2D | null = null;
  private readonly supported = new Map<ImageMime, Promise<boolean>>();

  /** Decodes and fits one image; rejects with the browser's message when the bytes do not decode. */
  async decode(bytes: Uint8Array<ArrayBuffer>, mime: ImageMime, shape: ImageShape): Promise<Uint8ClampedArray> {
    const decoded = (await this.webCodecs(mime)) ? await viaImageDecoder(bytes, mime) : await viaBitmap(bytes, mime);
    try {
      const p = placement(decoded.width, decoded.height, shape.size, shape.fit);
      const context = this.contextFor(shape.size);
      // Draw and read in one synchronous stretch, so concurrent decodes can share the canvas.
      context.fillRect(0, 0, shape.size, shape.size);
      context.drawImage(decoded.source, p.sx, p.sy, p.sw, p.sh, p.dx, p.dy, p.dw, p.dh);
      return context.getImageData(0, 0, shape.size, shape.size).data;
    } finally {
      decoded.close();
    }
  }

  private webCodecs(mime: ImageMime): Promise<boolean> {
    if (typeof ImageDecoder === 'undefined') return Promise.resolve(false);
    let known = this.supported.get(mime);
    if (!known) this.supported.set(mime, (known = ImageDecoder.isTypeSupported(mime)));
    return known;
  }

  private contextFor(size: number): OffscreenCanvasRenderingContext2D {
    if (this.context?.canvas.width !== size) {
      const context = new OffscreenCanvas(size, size).getContext('2d', { willReadFrequently: true });
      if (!context) throw new Error('no 2D context for an OffscreenCanvas');
      context.fillStyle = '#000';
      context.imageSmoothingQuality = 'high';
      this.context = context;
    }
    return this.context;
  }
}

async function viaImageDecoder(bytes: Uint8Array<ArrayBuffer>, mime: ImageMime): Promise<Decoded> {
  const decoder = new ImageDecoder({ data: bytes, type: mime });
  try {
    const { image } = await decoder.decode({ frameIndex: 0 });
    // The frame's display size and drawImage's source rectangle both follow its rotation.
    return { source: image, width: image.displayWidth, height: image.displayHeight, close: () => image.close() };
  } finally {
    decoder.close();
  }
}

async function viaBitmap(bytes: Uint8Array<ArrayBuffer>, mime: ImageMime): Promise<Decoded> {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
  return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
}
