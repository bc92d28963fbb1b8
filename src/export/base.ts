import type { MnistSource } from '../infer/load';

/** A file of an export, by its path in the folder or zip it goes into. */
export interface ExportFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/** What some writers need from the host that runs them (the CLI in Node, the studio's worker). */
export interface ExportHost {
  /** The built-in MNIST, for formats that carry a run's data (an MNIST run stores none). */
  readonly mnist: MnistSource;
  /** The Lightning project's Python files that every export holds as they are (src/export/lightning/*.py), by file name. */
  python(): Promise<ReadonlyMap<string, string>>;
}
