/** A file the page collected, with its path inside what was dropped or picked. */
export interface PickedFile {
  /** Relative, '/'-separated, starting with the dropped folder's own name. */
  readonly path: string;
  readonly file: Blob;
}

/**
 * What the page posts to the worker for a dropped or picked folder or zip: plain data and Files
 * (Files travel by reference, not by copy), since the page's entries and inputs cannot be posted.
 */
export interface PickedFiles {
  /** The folder or zip as the user knows it. */
  readonly name: string;
  readonly files: readonly PickedFile[];
  /** Folders seen, empty ones included; an input element cannot see them, so it gives none. */
  readonly folders: readonly string[];
}

/** What to call a set of paths: their one top folder or file, else "dropped files". */
export function pickedName(paths: readonly string[]): string {
  const tops = new Set(paths.map((p) => p.split('/')[0]));
  return tops.size === 1 ? [...tops][0] : 'dropped files';
}

/**
 * The files of an `<input type="file" webkitdirectory>` (or a plain multiple input, where paths are
 * names). Run it on the page: webkitRelativePath does not survive postMessage.
 */
export function pickedFromInput(files: Iterable<File>): PickedFiles {
  const picked = [...files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  return { name: pickedName(picked.map((f) => f.path)), files: picked, folders: [] };
}
