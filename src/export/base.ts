/** A file an export writes, relative to the folder it writes into. */
export interface ExportFile {
  readonly path: string;
  readonly data: Uint8Array | string;
}
