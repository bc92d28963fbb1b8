import { strFromU8, strToU8, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { z } from 'zod';
import { isSafePath } from './base';
import { bytesZip, openZip, ZipError, type ZipLimits } from '../util/zip-read';

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
  /** The run as the exporting studio listed it: an import keeps its status, dates and best epoch (absent from older archives). */
  readonly run?: ArchivedRun;
}

/** What the runs list said of an exported run; times are ISO-8601. */
export interface ArchivedRun {
  readonly status: 'running' | 'done' | 'stopped' | 'failed' | 'interrupted';
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly best?: { readonly metric: string; readonly value: number; readonly epoch: number };
  readonly message?: string;
}

/**
 * What an archive may hold, so a hostile one cannot exhaust memory or storage. Sized for a browser
 * tab: the archive itself stays in memory while it is checked (its stored entries are views into
 * it), so an import peaks near the archive plus its largest record unpacked (docs/FORMATS.md).
 */
export const ARCHIVE_LIMITS: ZipLimits = { entryBytes: 512 * 2 ** 20, totalBytes: 2 ** 30, entries: 50_000 };

/** A file of a run's artifact tree. */
export interface ArchiveFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/** Paths of Burn's artifact layout, plus the studio's config, the run's stored dataset and initial model, and the manifest. */
const LAYOUT = [
  /^experiment\.log$/,
  /^config\.json$/,
  /^dataset\/(data\.mpk\.gz|dataset\.json)$/,
  /^init\/model\.mpk\.gz$/,
  /^checkpoint\/(model|optim|scheduler)-[1-9]\d*\.mpk\.gz$/,
  /^(train|valid)\/epoch-[1-9]\d*\/[^/]+\.log$/,
  /^valid\/epoch-[1-9]\d*\/ConfusionMatrix\.json$/,
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

const ManifestSchema = z.object({
  format: z.literal('kiln.archive'),
  version: z.number(),
  kind: z.enum(['run', 'checkpoint']),
  name: z.string(),
  epoch: z.number().int().positive().optional(),
  createdAt: z.string(),
  // A run block this version cannot read is left out: the run imports as one without it.
  run: z
    .object({
      status: z.enum(['running', 'done', 'stopped', 'failed', 'interrupted']),
      createdAt: z.string(),
      updatedAt: z.string(),
      best: z.object({ metric: z.string(), value: z.number(), epoch: z.number().int().positive() }).optional(),
      message: z.string().optional(),
    })
    .optional()
    .catch(undefined),
});

/**
 * Reads and checks an archive: a manifest of a known version, only layout paths (no `..`, no
 * absolute paths, no name twice), no encrypted or unknown-method entry, every entry and the total
 * under the limits as the zip's directory declares them (before anything is inflated), and each
 * entry unpacking to exactly its declared size and CRC-32 (src/util/zip-read.ts).
 */
export async function readArchive(
  bytes: Uint8Array,
  archive: string,
  limits: ZipLimits = ARCHIVE_LIMITS,
): Promise<{ manifest: ArchiveManifest; files: ArchiveFile[] }> {
  return archiveOf(await unzipArchive(bytes, archive, limits, (name) => vetArchiveName(name, archive)), archive);
}

/** A file of a dropped archive, unpacked. */
export interface UnzippedFile {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * The files of a zip that `keep` passes (it may refuse by throwing), unpacked and checked
 * (src/util/zip-read.ts); a refused zip or entry is an ArchiveError naming the archive.
 */
export async function unzipArchive(bytes: Uint8Array, archive: string, limits: ZipLimits, keep: (name: string) => boolean): Promise<UnzippedFile[]> {
  try {
    const entries = (await openZip(bytesZip(bytes), limits, keep)).filter((e) => !e.folder);
    const unreadable = entries.find((e) => e.unreadable);
    if (unreadable?.unreadable === 'encrypted') throw new ArchiveError(archive, `'${unreadable.name}' is encrypted; Kiln cannot read password-protected zips`);
    if (unreadable) throw new ArchiveError(archive, `'${unreadable.name}' is ${unreadable.unreadable}`);
    const files: UnzippedFile[] = [];
    for (const e of entries) files.push({ name: e.name, data: await e.read() });
    return files;
  } catch (e) {
    if (e instanceof ZipError) throw new ArchiveError(archive, e.message);
    throw e;
  }
}

/** Passes a name of an archive's layout (or its manifest), else refuses the archive naming the entry. */
export function vetArchiveName(name: string, archive: string): true {
  if (name !== 'kiln.json' && !isLayoutPath(name)) throw new ArchiveError(archive, `'${name}' is not a path of a run's artifact layout`);
  return true;
}

/** An archive's manifest and files, from its entries however they came (a zip, or a dropped folder of one); see `readArchive`. */
export function archiveOf(unzipped: readonly UnzippedFile[], archive: string): { manifest: ArchiveManifest; files: ArchiveFile[] } {
  for (const f of unzipped) vetArchiveName(f.name, archive);
  const raw = unzipped.find((f) => f.name === 'kiln.json');
  if (!raw) throw new ArchiveError(archive, 'no kiln.json: not an archive exported by Kiln');
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(raw.data));
  } catch {
    throw new ArchiveError(archive, 'kiln.json is not valid JSON');
  }
  const object = json !== null && typeof json === 'object' ? (json as { [k: string]: unknown }) : {};
  if (object.format !== 'kiln.archive') throw new ArchiveError(archive, 'kiln.json does not describe a Kiln archive');
  if (object.version !== ARCHIVE_VERSION) {
    throw new ArchiveError(archive, `kiln.json: archive format version ${String(object.version)}; this version of Kiln reads version ${ARCHIVE_VERSION}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new ArchiveError(archive, `kiln.json: ${issue(parsed.error)}`);
  return { manifest: parsed.data, files: archiveFiles(unzipped.filter((f) => f.name !== 'kiln.json')) };
}

/** Unpacked entries as a run's files, in path order. */
export function archiveFiles(unzipped: readonly UnzippedFile[]): ArchiveFile[] {
  return unzipped.map((f) => ({ path: f.name, data: f.data })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The first problem zod found, as `field: message`. */
function issue(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || 'the manifest'}: ${first.message}` : 'invalid';
}

/** A relative layout path that stays inside the run. */
export function isLayoutPath(name: string): boolean {
  return isSafePath(name) && inLayout(name);
}
