import { isIgnoredPath } from './paths';
import { pickedName, type PickedFile, type PickedFiles } from './picked';

// Runs on the page: file system entries cannot be posted to a worker, the Files they lead to can.

/** The dropped items as entries. Call it inside the drop handler: the items go dead once it returns. */
export function droppedEntries(dataTransfer: DataTransfer): FileSystemEntry[] {
  return [...dataTransfer.items].flatMap((item) => {
    const entry = item.kind === 'file' ? item.webkitGetAsEntry() : null;
    return entry ? [entry] : [];
  });
}

/**
 * Every file under the dropped entries with its path (starting with the dropped folder's name),
 * and every folder, so an empty class folder can be named. Hidden files and OS clutter are not walked.
 */
export async function walkEntries(entries: readonly FileSystemEntry[]): Promise<PickedFiles> {
  const files: PickedFile[] = [];
  const folders: string[] = [];
  const visit = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (isIgnoredPath(entry.name)) return;
    if (entry.isFile) {
      files.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
      return;
    }
    if (!entry.isDirectory) return;
    folders.push(path);
    const children = (await readAll((entry as FileSystemDirectoryEntry).createReader())).filter((c) => !isIgnoredPath(c.name));
    // A folder's files are asked for together (one at a time is slow for large folders); subfolders in turn.
    const leaves = children.filter((c) => c.isFile);
    const got = await Promise.all(leaves.map((c) => fileOf(c as FileSystemFileEntry)));
    got.forEach((file, i) => files.push({ path: `${path}/${leaves[i].name}`, file }));
    for (const child of children.filter((c) => c.isDirectory)) await visit(child, `${path}/${child.name}`);
  };
  for (const entry of entries) await visit(entry, entry.name);
  return { name: pickedName(entries.map((e) => e.name)), files, folders };
}

/** All of a folder's entries: readEntries hands out at most 100 a call, and an empty batch marks the end. */
async function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    for (const entry of batch) all.push(entry);
  }
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}
