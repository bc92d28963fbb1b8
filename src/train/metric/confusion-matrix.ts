import { z } from 'zod';

/**
 * Counts of (true class, predicted class) pairs: `matrix[t][p]` items of class t were predicted as p.
 * Rows are true classes, columns predictions, both in class-index order.
 */
export type ConfusionMatrix = number[][];

/** Counts the pairs of `truth` and `predicted` class indices into a classes × classes matrix. */
export function countConfusion(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ConfusionMatrix {
  if (truth.length !== predicted.length) throw new Error(`confusion: ${truth.length} true classes for ${predicted.length} predictions`);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) matrix[truth[i]][predicted[i]]++;
  return matrix;
}

/** Where the learner records a split's matrix of an epoch (docs/FORMATS.md). */
export const confusionPath = (split: 'valid', epoch: number) => `${split}/epoch-${epoch}/ConfusionMatrix.json`;

/** The version of `ConfusionMatrix.json` this code writes and reads. */
export const CONFUSION_VERSION = 1;

/** `<split>/epoch-N/ConfusionMatrix.json`: the matrix of a split at the end of an epoch. */
export interface ConfusionFile {
  readonly format: 'kiln.confusion';
  readonly version: 1;
  readonly split: 'valid';
  readonly epoch: number;
  /** Class names in index order, when the learner was given them. */
  readonly classNames?: readonly string[];
  readonly matrix: ConfusionMatrix;
}

const ConfusionFileSchema = z
  .object({
    format: z.literal('kiln.confusion'),
    version: z.literal(CONFUSION_VERSION),
    split: z.literal('valid'),
    epoch: z.number().int().positive(),
    classNames: z.array(z.string()).optional(),
    matrix: z.array(z.array(z.number().int().min(0))),
  })
  .refine((f) => f.matrix.every((row) => row.length === f.matrix.length), 'the matrix is not square')
  .refine((f) => !f.classNames || f.classNames.length === f.matrix.length, 'classNames and the matrix differ in size');

/** Parses a `ConfusionMatrix.json`; the error names the path and the problem (or both versions). */
export function parseConfusionFile(text: string, path: string): ConfusionFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (version !== CONFUSION_VERSION)
    throw new Error(`${path}: confusion matrix version ${String(version)}; this version of Kiln reads version ${CONFUSION_VERSION}`);
  const parsed = ConfusionFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${[...issue.path, ''].join('.')}${issue.message}`);
  }
  return parsed.data;
}
