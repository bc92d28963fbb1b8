/**
 * Input the studio cannot use, with where: the file, and the row or entry when there is one.
 * The message reads on its own ("iris.csv: row 17: expected 5 fields, found 4").
 */
export class DataError extends Error {
  override readonly name = 'DataError';

  constructor(
    /** The file, folder or zip (entry paths go in `where`). */
    readonly file: string,
    /** What is wrong, for people. */
    readonly problem: string,
    /** "row 17", "entry cats/x.png", or undefined for the file as a whole. */
    readonly where?: string,
  ) {
    super(`${file}: ${where ? `${where}: ` : ''}${problem}`);
  }
}

/** Size limits of a dataset the studio loads; a larger one is refused, naming the limit. */
export const DATA_LIMITS = {
  /** Bytes of one file (CSV, TSV or zip). */
  fileBytes: 1024 * 2 ** 20,
  /** Features of the decoded dataset, float32: 1 GiB. */
  decodedBytes: 2 ** 30,
  /** Images in a folder or zip. */
  images: 200_000,
  /** Columns of a table. */
  columns: 10_000,
} as const;
