import { formatBytes } from '../../util/bytes';
import { blobZip, openZip, ZipError, type ZipEntry } from '../../util/zip-read';
import { DATA_LIMITS, DataError } from '../errors';
import { IMAGE_LIMITS, type ImageEntry, type ImageSource } from './base';
import { isIgnoredPath, zipEntryPath } from './paths';

/**
 * A zip of image folders as a source, through the one zip reader (src/util/zip-read.ts): the
 * central directory is read up front (paths checked, sizes held to {@link IMAGE_LIMITS} before
 * anything is inflated); each entry is read from `zip`, inflated and CRC-checked only when its bytes
 * are asked for, so at most a few entries are in memory at once. Encrypted entries and unknown
 * compressions are skipped with the reason; a zip whose files are all encrypted says so.
 */
export async function zipSource(zip: Blob, name: string, limits = IMAGE_LIMITS): Promise<ImageSource> {
  if (zip.size > DATA_LIMITS.fileBytes) throw new DataError(name, `the zip is ${formatBytes(zip.size)}, over the ${formatBytes(DATA_LIMITS.fileBytes)} limit`);
  const pathOf = (entry: string) => zipEntryPath(name, entry);
  const accept = (entry: string) => {
    const path = pathOf(entry);
    return path !== '' && !isIgnoredPath(path);
  };
  let listed: ZipEntry[];
  try {
    listed = await openZip(blobZip(zip), { entryBytes: limits.fileBytes, totalBytes: limits.unpackedBytes, entries: limits.zipEntries }, accept);
  } catch (e) {
    throw e instanceof ZipError ? zipDataError(name, e) : e;
  }
  const entries: ImageEntry[] = [];
  const folders: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const e of listed) {
    const path = pathOf(e.name);
    if (e.folder) folders.push(path);
    else if (e.unreadable) skipped.push({ path, reason: e.unreadable });
    else entries.push({ path, size: e.size, bytes: () => entryBytes(name, e) });
  }
  if (entries.length === 0 && skipped.length > 0 && skipped.every((s) => s.reason === 'encrypted')) {
    throw new DataError(name, 'the zip is encrypted (password-protected) and cannot be read: unpack it and drop the folder instead');
  }
  return { name, entries, folders, skipped };
}

/** A refusal of the zip, naming the entry. */
function zipDataError(zip: string, e: ZipError): DataError {
  return new DataError(zip, e.problem, e.entry === null ? undefined : `entry ${e.entry}`);
}

/**
 * One entry's bytes. Damage throws a plain Error (the file is skipped); unpacking past the declared
 * size throws a DataError, since the declared size is what the limits were checked against.
 */
async function entryBytes(zip: string, entry: ZipEntry): Promise<Uint8Array<ArrayBuffer>> {
  try {
    // A Blob's slices and inflated buffers are whole ArrayBuffers.
    return (await entry.read()) as Uint8Array<ArrayBuffer>;
  } catch (e) {
    if (!(e instanceof ZipError)) throw e;
    if (e.damaged) throw new Error(`the zip entry ${e.problem}`);
    throw new DataError(zip, `${e.problem}: a damaged or hostile zip`, `entry ${e.entry}`);
  }
}
