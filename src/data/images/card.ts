import type { DatasetCard, ImagePreview } from '../card';
import { counted, type ImageShape } from './base';
import type { Skip } from './layout';
import { hashItem, itemRgba } from './pixels';

/** A class this many times larger than another is worth a warning. */
const IMBALANCE = 5;
/** Preview images in all, shared among the classes (at least one each, at most four). */
const PREVIEW_TOTAL = 64;

/** What the card is built from: the decoded rows (skipped files already taken out) and what the reading noticed. */
export interface ImageCardInput {
  readonly source: string;
  readonly shape: ImageShape;
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly classNames: readonly string[];
  /** Each row's path in the folder or zip. */
  readonly paths: readonly string[];
  /** The first validation row when train/ and valid/ gave the split (rows before it are training). */
  readonly validFrom?: number;
  readonly warnings: readonly string[];
  readonly skipped: readonly Skip[];
}

/** The dataset card of an image folder: classes and counts, a preview per class, imbalance and duplicates. */
export function imageCard(input: ImageCardInput): DatasetCard {
  const { shape, y, classNames } = input;
  const counts = classNames.map(() => 0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const warnings = [...input.warnings, ...imbalance(classNames, counts), ...duplicates(input)];
  return {
    source: input.source,
    kind: 'images',
    task: 'classification',
    items: y.length,
    inputShape: [shape.size, shape.size, shape.channels],
    classes: classNames.map((name, i) => ({ name, count: counts[i] })),
    preview: preview(input),
    ...(input.validFrom !== undefined ? { givenSplit: { train: input.validFrom, valid: y.length - input.validFrom } } : {}),
    warnings,
    skipped: input.skipped,
  };
}

function imbalance(classNames: readonly string[], counts: readonly number[]): string[] {
  const absent = classNames.filter((_, c) => counts[c] === 0);
  if (absent.length > 0) return [`no images of ${absent.join(', ')}`];
  // Indices by a loop: spreading one count per class into Math.max overflows the stack for many classes.
  const most = counts.reduce((best, n, c) => (n > counts[best] ? c : best), 0);
  const least = counts.reduce((best, n, c) => (n < counts[best] ? c : best), 0);
  if (counts[most] < IMBALANCE * counts[least]) return [];
  const ratio = Math.round((counts[most] / counts[least]) * 10) / 10;
  return [
    `class imbalance: ${classNames[most]} has ${counts[most]} images, ${classNames[least]} ${counts[least]} (${ratio}×); accuracy alone will flatter the model`,
  ];
}

/** Rows identical after resizing (same file twice, or re-encoded), found by hash and confirmed value by value. */
function duplicates({ x, y, paths, shape, validFrom }: ImageCardInput): string[] {
  const size = shape.size * shape.size * shape.channels;
  const first = new Map<number, number[]>();
  let count = 0;
  let across = 0;
  let example = '';
  for (let r = 0; r < y.length; r++) {
    const h = hashItem(x, r * size, size);
    const seen = first.get(h) ?? [];
    const twin = seen.find((s) => sameRow(x, s * size, r * size, size));
    if (twin === undefined) {
      first.set(h, [...seen, r]);
      continue;
    }
    count++;
    if (validFrom !== undefined && twin < validFrom && r >= validFrom) across++;
    example ||= `${paths[twin]} and ${paths[r]}`;
  }
  if (count === 0) return [];
  const split = across > 0 ? `; ${counted(across, 'validation image')} repeat${across === 1 ? 's' : ''} training images, which flatters validation` : '';
  return [`${counted(count, 'image')} duplicate${count === 1 ? 's' : ''} another at ${shape.size}×${shape.size} (e.g. ${example})${split}`];
}

function sameRow(x: Float32Array, a: number, b: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (x[a + i] !== x[b + i]) return false;
  return true;
}

/** The first few images of each class, as the model sees them. */
function preview({ x, y, classNames, paths, shape }: ImageCardInput): ImagePreview {
  const perClass = Math.max(1, Math.min(4, Math.floor(PREVIEW_TOTAL / classNames.length)));
  const size = shape.size * shape.size * shape.channels;
  const taken = classNames.map(() => 0);
  const samples: ImagePreview['samples'][number][] = [];
  for (let r = 0; r < y.length; r++) {
    if (taken[y[r]] >= perClass) continue;
    taken[y[r]]++;
    samples.push({ label: classNames[y[r]], path: paths[r], rgba: itemRgba(x, r * size, shape) });
  }
  return { kind: 'images', width: shape.size, height: shape.size, samples };
}
