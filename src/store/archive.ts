import { strFromU8, strToU8, unzipSync, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { checkPath } from './base';

/** The archive format this code writes and reads (docs/FORMATS.md). */
export const ARCHIVE_VERSION = 1;

/** `kiln.json` at the root of every archive: what it holds. */
export interface ArchiveManifest {
  readonly format: 'kiln.archive';
  readonly version: number;
  /** A whole run, or one checkpoint with the run's config. */
  readonly kind: 'run' | 'checkpoint';
  readonly name: string;
  /** The checkpoint's epoch (checkpoint archives). */
  readonly epoch?: number;
  readonly createdAt: string;
}

/** What an archive may hold, so a hostile one cannot exhaust memory or storage. */
export const ARCHIVE_LIMITS = { entryBytes: 512 * 2 ** 20, totalBytes: 2 * 2 ** 30, entries: 50_000 };

/** A file of a run's artifact tree. */
export interface ArchiveFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/** Paths of Burn's artifact layout, plus the studio's config, the run's stored dataset and the manifest. */
const LAYOUT = [
  /^experiment\.log$/,
  /^config\.json$/,
  /^dataset\/(data\.mpk\.gz|dataset\.json)$/,
  /^checkpoint\/(model|optim|scheduler)-[1-9]\d*\.mpk\.gz$/,
  /^(train|valid)\/epoch-[1-9]\d*\/[^/]+\.log$/,
];

/** Whether a path belongs in a run's artifact tree. */
export function inLayout(path: string): boolean {
  return LAYOUT.some((re) => re.test(path));
}

/**
 * Zips files as they come, handing out the archive in chunks (no second copy of the whole).
 * Records are gzip already and are stored as they are; text is deflated.
 */
export function zipArchive(manifest: ArchiveManifest, files: readonly ArchiveFile[], onChunk: (chunk: Uint8Array) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new Zip((err, chunk, final) => {
      if (err) return reject(err);
      onChunk(chunk);
      if (final) resolve();
    });
    const add = (path: string, data: Uint8Array) => {
      const entry = path.endsWith('.gz') ? new ZipPassThrough(path) : new ZipDeflate(path, { level: 6 });
      zip.add(entry);
      entry.push(data, true);
    };
    add('kiln.json', strToU8(JSON.stringify(manifest, null, 2)));
    for (const f of files) add(f.path, f.data);
    zip.end();
  });
}

/** An archive that cannot be imported; the message names the file and the problem. */
export class ArchiveError extends Error {
  constructor(archive: string, problem: string) {
    super(`${archive}: ${problem}`);
    this.name = 'ArchiveError';
  }
}

/**
 * Reads and checks an archive: a manifest of a known version, only layout paths (no `..`, no
 * absolute paths), every entry and the total under the limits (checked before inflating, and
 * again after, since a zip's stated sizes can lie).
 */
export function readArchive(bytes: Uint8Array, archive: string, limits = ARCHIVE_LIMITS): { manifest: ArchiveManifest; files: ArchiveFile[] } {
  let declared = 0;
  let entries = 0;
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false; // folder entries carry nothing
        if (++entries > limits.entries) throw new ArchiveError(archive, `more than ${limits.entries} entries`);
        if (f.name !== 'kiln.json' && !safe(f.name)) throw new ArchiveError(archive, `'${f.name}' is not a path of a run's artifact layout`);
        if (f.originalSize > limits.entryBytes) throw new ArchiveError(archive, `'${f.name}' is ${f.originalSize} bytes, over the ${limits.entryBytes}-byte limit per entry`);
        declared += f.originalSize;
        if (declared > limits.totalBytes) throw new ArchiveError(archive, `unpacks to more than the ${limits.totalBytes}-byte limit`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(archive, `not a readable zip archive (${(e as Error).message})`);
  }
  let total = 0;
  for (const [name, data] of Object.entries(unzipped)) {
    total += data.byteLength;
    if (data.byteLength > limits.entryBytes || total > limits.totalBytes) throw new ArchiveError(archive, `'${name}' unpacks past the size limits`);
  }
  const raw = unzipped['kiln.json'];
  if (!raw) throw new ArchiveError(archive, 'no kiln.json: not an archive exported by Kiln');
  let manifest: ArchiveManifest;
  try {
    manifest = JSON.parse(strFromU8(raw)) as ArchiveManifest;
  } catch {
    throw new ArchiveError(archive, 'kiln.json is not valid JSON');
  }
  if (manifest.format !== 'kiln.archive') throw new ArchiveError(archive, 'kiln.json does not describe a Kiln archive');
  if (manifest.version !== ARCHIVE_VERSION) {
    throw new ArchiveError(archive, `archive format version ${String(manifest.version)}; this version of Kiln reads version ${ARCHIVE_VERSION}`);
  }
  if (manifest.kind !== 'run' && manifest.kind !== 'checkpoint') throw new ArchiveError(archive, `unknown archive kind '${String(manifest.kind)}'`);
  const files = Object.entries(unzipped)
    .filter(([name]) => name !== 'kiln.json')
    .map(([path, data]) => ({ path, data }))
    .sort((a, b) => a.path.localeCompare(b.path));
  return { manifest, files };
}

/** A relative layout path that stays inside the run. */
function safe(name: string): boolean {
  try {
    checkPath(name);
  } catch {
    return false;
  }
  return inLayout(name);
}
