/** A file of an export, by its path in the folder or zip it goes into. */
export interface ExportFile {
  readonly path: string;
  readonly data: Uint8Array;
}
