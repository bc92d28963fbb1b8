export type {
  CategoricalColumn,
  FeaturePreprocessing,
  LabelPreprocessing,
  NumericColumn,
  ParsedTable,
  PreparedTable,
  TableChoices,
  TableColumn,
  TableParseOptions,
  TablePreprocessing,
} from './types';
export { PREVIEW_ROWS, TableParser, parseTable } from './parser';
export { NotUtf8Error, isNotUtf8 } from './errors';
export { suggestChoices, suggestLabel, suggestTask } from './suggest';
export { describeTable, prepareTable } from './prepare';
export { applyPreprocessing, type AppliedTable } from './apply';
export type { TableEncoding } from './text';
export type { Delimiter } from './sniff';
export { targetScale } from './encode';
