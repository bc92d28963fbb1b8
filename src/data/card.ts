/**
 * What the studio shows of a dataset before training (the dataset card): plain data, built by a
 * reader in the worker and posted to the UI as it is.
 */
export interface DatasetCard {
  /** The file or folder the user gave. */
  readonly source: string;
  readonly kind: 'table' | 'images';
  readonly task: 'classification' | 'regression';
  /** Rows or images kept (after skipped files and dropped rows). */
  readonly items: number;
  /** Shape of one item as the model sees it: [features] or [height, width, channels]. */
  readonly inputShape: readonly number[];
  /** Classification: every class with its item count, in label order. */
  readonly classes?: readonly { readonly name: string; readonly count: number }[];
  /** Regression: the target column's range. */
  readonly target?: { readonly name: string; readonly min: number; readonly max: number; readonly mean: number };
  /** Tables: one entry per column of the file, label column included. */
  readonly columns?: readonly ColumnSummary[];
  /** The first rows (tables) or a few images per class (images), for a look before training. */
  readonly preview: TablePreview | ImagePreview;
  /** A split the data came with (train/ and valid/ folders): item counts. Absent: the studio splits. */
  readonly givenSplit?: { readonly train: number; readonly valid: number };
  /**
   * Why this data cannot be trained on as chosen (a label of one class, a text label for
   * regression…): the card still shows the columns, so another choice can be made.
   */
  readonly error?: string;
  /** Things the user should know: imbalance, constant columns, duplicates, filled values… */
  readonly warnings: readonly string[];
  /** Files or entries left out, each with why. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/** One column of a table as read. */
export interface ColumnSummary {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  /** Empty cells (or NA, NaN, null, ?). */
  readonly missing: number;
  /** Numeric columns. */
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  /** Categorical columns: distinct values (the first few shown). */
  readonly categories?: readonly string[];
  readonly distinct: number;
  /** Why the column looks like an identifier (row numbers, names) rather than a feature; absent when it does not. */
  readonly identifier?: string;
}

/** The first rows of a table, as text. */
export interface TablePreview {
  readonly kind: 'rows';
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Sample images, already resized: RGBA bytes of width × height each. */
export interface ImagePreview {
  readonly kind: 'images';
  readonly width: number;
  readonly height: number;
  readonly samples: readonly { readonly label: string; readonly path: string; readonly rgba: Uint8ClampedArray }[];
}
