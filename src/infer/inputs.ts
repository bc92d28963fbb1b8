import type { ImageShape } from '../data/images/base';
import { writePixels } from '../data/images/pixels';
import { applyPreprocessing } from '../data/table/apply';
import type { ParsedTable } from '../data/table/types';
import type { LoadedModel } from './load';

/** Inputs made ready for `predict`, with their true values when the input carried them. */
export interface Inputs {
  readonly x: Float32Array;
  readonly rows: number;
  /** Class indices, or targets in the label's units; absent when the table has no label column. */
  readonly truth?: Int32Array | Float32Array;
}

/**
 * A table's rows through the run's stored preprocessing (column order, standardization, one-hot
 * vocabularies, training fill values for missing cells); problems are DataErrors naming the file and row.
 */
export function tableInputs(loaded: LoadedModel, table: ParsedTable): Inputs {
  if (loaded.input.kind !== 'table') throw new Error(`the model takes images (${loaded.inputShape.join('×')}), not table rows`);
  const applied = applyPreprocessing(loaded.input.preprocessing, table);
  const { output } = loaded;
  if (!applied.y || output.task === 'classification') return { x: applied.x, rows: applied.rows, truth: applied.y };
  return { x: applied.x, rows: applied.rows, truth: applied.y.map((z) => z * output.scale + output.mean) };
}

/** Decoded images (opaque RGBA, already fitted to `shape.size`) as the model's inputs: [0, 1], gray as Rec. 601 luma. */
export function imageInputs(shape: ImageShape, images: readonly Uint8ClampedArray[]): Inputs {
  const size = shape.size * shape.size * shape.channels;
  const x = new Float32Array(images.length * size);
  images.forEach((rgba, i) => {
    if (rgba.length !== shape.size * shape.size * 4) throw new Error(`image ${i + 1}: ${rgba.length} bytes is not a ${shape.size}×${shape.size} RGBA image`);
    writePixels(rgba, shape.channels, x, i * size);
  });
  return { x, rows: images.length };
}
