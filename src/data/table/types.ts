import type { DatasetCard, TablePreview } from '../card';
import type { TensorData } from '../dataset';
import type { RowLines } from './lines';
import type { TableEncoding } from './text';

/**
 * A column's numbers, exact every way: int8 or int16 when every value is an integer in their range
 * and none is missing (labels, counts, codes: a quarter or half of a float32), float32 when every
 * value is a float32 exactly (halves, quarters, larger integers), else float64.
 */
export type NumberArray = Float32Array | Float64Array | Int8Array | Int16Array;

/** A column of numbers; NaN marks a missing value. */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  /** One value per data row. */
  readonly values: NumberArray;
  /** Missing cells (empty, NA, N/A, NaN, null, ?). */
  readonly missing: number;
  /** Distinct values, missing ones not counted. */
  readonly distinct: number;
  /** Range and mean of the non-missing values (for the card); undefined when all are missing. */
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
}

/** A column of text values, dictionary-coded. */
export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  /** One code per data row, an index into `categories`; -1 marks a missing value. */
  readonly codes: Int32Array;
  /** The distinct values, sorted by code unit (stable across locales). */
  readonly categories: readonly string[];
  /** Missing cells. */
  readonly missing: number;
  /** Distinct values (= categories.length). */
  readonly distinct: number;
}

/** One column of a parsed table. */
export type TableColumn = NumericColumn | CategoricalColumn;

/** A CSV or TSV as read: typed columns, no strings per cell. */
export interface ParsedTable {
  /** The file's name, as dropped: named by every error and by the card. */
  readonly source: string;
  /** Data rows (the header not counted). */
  readonly rows: number;
  readonly columns: readonly TableColumn[];
  /** The line each data row starts on in the file, as a text editor counts them (header = 1), for errors. */
  readonly lines: RowLines;
  /** The header and the first rows, as text. */
  readonly preview: TablePreview;
  /** Rows identical to an earlier row. */
  readonly duplicateRows: number;
  /** The delimiter used (given, from the file name, or sniffed from the header). */
  readonly delimiter: ',' | '\t' | ';';
}

/** How to read a table's bytes. */
export interface TableParseOptions {
  /** The file's name: picks the delimiter (.csv, .tsv) and is named by errors. */
  readonly fileName: string;
  /** 'utf-8' (default, checked) or 'latin1' (Windows-1252), the retry after a not-UTF-8 error. */
  readonly encoding?: TableEncoding;
  /** Overrides the delimiter from the file name and the header. */
  readonly delimiter?: ',' | '\t' | ';';
  /** The file's size when known (File.size): refused at once when over the limit. */
  readonly fileBytes?: number;
}

/** The user's choices for turning a table into a dataset. */
export interface TableChoices {
  /** The column to predict. */
  readonly label: string;
  readonly task: 'classification' | 'regression';
  /** Rows with a missing feature: dropped, or filled from the training split (mean, most frequent). */
  readonly missing: 'drop' | 'fill';
  /** Share of rows held out for validation, in [0, 1). */
  readonly validFraction: number;
  readonly seed: number;
  /** Columns left out of the features by the user. */
  readonly exclude?: readonly string[];
}

/** How one feature column becomes model inputs. */
export type FeaturePreprocessing =
  | {
      readonly name: string;
      readonly kind: 'numeric';
      /** Training mean and standard deviation: the input is (value - mean) / std (std 0: value - mean). */
      readonly mean: number;
      readonly std: number;
      /** Stands in for a missing value: the training mean. */
      readonly fill: number;
    }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      /** One input per category, in this order: 1 for the row's category, 0 elsewhere. */
      readonly categories: readonly string[];
      /** Stands in for a missing value: the training split's most frequent category. */
      readonly fill: string;
    };

/** How the label column becomes targets. */
export type LabelPreprocessing =
  | { readonly name: string; readonly task: 'classification'; readonly classNames: readonly string[] }
  | {
      readonly name: string;
      readonly task: 'regression';
      /** Training targets' statistics; targets are (value − mean) / std (std 1 when constant). */
      readonly min: number;
      readonly max: number;
      readonly mean: number;
      readonly std: number;
    };

/** Everything needed to turn a table into the model's inputs again: plain JSON, saved with a run. */
export interface TablePreprocessing {
  readonly version: 1;
  /** Feature columns in input order. */
  readonly features: readonly FeaturePreprocessing[];
  /** Inputs per row: numeric columns count one, categorical ones one per category. */
  readonly numFeatures: number;
  readonly label: LabelPreprocessing;
  /** The missing-value choice training used (new tables are always filled). */
  readonly missing: 'drop' | 'fill';
}

/** A table made ready to train on. */
export interface PreparedTable {
  readonly train: TensorData;
  readonly valid: TensorData;
  readonly card: DatasetCard;
  readonly preprocessing: TablePreprocessing;
}
