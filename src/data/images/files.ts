import { sniffFile } from '../sniff';
import type { ImageSource } from './base';
import type { PickedFiles } from './picked';
import { zipSource } from './zip';

/**
 * A source over files the page collected; each file is read when its bytes are asked for. Paths
 * are taken relative to the dropped folder, so images directly inside it read as "at the top".
 */
export function filesSource(picked: PickedFiles): ImageSource {
  const inside = `${picked.name}/`;
  const strip = picked.files.every((f) => f.path.startsWith(inside));
  const relative = (path: string) => (strip ? path.slice(inside.length) : path);
  const entries = picked.files.map(({ path, file }) => ({
    path: relative(path),
    size: file.size,
    bytes: async () => new Uint8Array(await file.arrayBuffer()),
  }));
  const folders = picked.folders.filter((f) => !strip || f.startsWith(inside)).map(relative);
  return { name: picked.name, entries, folders, skipped: [] };
}

/** Whether a file starts as a zip does (a local header, or the end record of an empty zip). */
async function isZip(file: Blob): Promise<boolean> {
  return sniffFile(new Uint8Array(await file.slice(0, 4).arrayBuffer())).kind === 'zip';
}

/** The source for what the page posted: one zip is opened as an archive, anything else read as a folder. */
export async function openImageSource(picked: PickedFiles): Promise<ImageSource> {
  const [only] = picked.files;
  if (picked.files.length === 1 && (await isZip(only.file))) return zipSource(only.file, picked.name);
  return filesSource(picked);
}
