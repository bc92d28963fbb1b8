import { pickedFromInput, type PickedFiles } from '../../data/images/picked';
import { droppedEntries, walkEntries } from '../../data/images/walk-entries';

/**
 * What was dropped: files as they are, folders walked into their files (entries can only be
 * read here, on the page's thread; the Files then go to the worker).
 */
export async function droppedFiles(transfer: DataTransfer): Promise<PickedFiles> {
  // The items go dead once the drop handler returns: take the entries (and files) first.
  const entries = droppedEntries(transfer);
  const files = [...transfer.files];
  // A drop made by a script carries Files without entries.
  return entries.length ? walkEntries(entries) : pickedFromInput(files);
}
