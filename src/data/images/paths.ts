import { DataError } from '../errors';

// Operating-system clutter that rides along in folders and zips; compared lower-case.
const CLUTTER = new Set(['__macosx', 'thumbs.db', 'desktop.ini']);

/** Whether a path is hidden (a part starting with '.') or OS clutter: left out without a word. */
export function isIgnoredPath(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || CLUTTER.has(part.toLowerCase()));
}

/**
 * A zip entry's name as a relative '/'-separated path; refuses names that would land outside the
 * archive (absolute, a drive letter, or a '..' part), since a path is later joined to folders.
 */
export function zipEntryPath(zip: string, name: string): string {
  const path = name.replace(/\\/g, '/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split('/').includes('..')) {
    throw new DataError(zip, 'a path outside the archive', `entry ${name}`);
  }
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}
