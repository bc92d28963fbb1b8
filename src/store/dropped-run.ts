import {
  ARCHIVE_LIMITS,
  ARCHIVE_VERSION,
  ArchiveError,
  type ArchiveFile,
  type ArchiveManifest,
  archiveFiles,
  archiveOf,
  type UnzippedFile,
  isLayoutPath,
  unzipArchive,
  vetArchiveName,
} from './archive';
import { strFromU8 } from 'fflate';
import { isSafePath } from './base';
import type { ZipLimits } from '../util/zip-read';

/** A Burn (burn-train 0.19–0.22) metric log: `<split>/epoch-N/<Metric>.log`. */
const BURN_METRIC_LOG = /^(train|valid)\/epoch-[1-9]\d*\/[^/]+\.log$/;

/** What of a Burn artifact folder the studio keeps: the log, the metric logs and the checkpoints (whatever recorder wrote them). */
const BURN_LAYOUT = [/^experiment\.log$/, BURN_METRIC_LOG, /^checkpoint\/(model|optim|scheduler)-[1-9]\d*\.(mpk|bin|json)(\.gz)?$/];

/** A dropped run: a Kiln archive, or a Burn artifact folder (the files kept, and those left out). */
export type DroppedRun =
  | { readonly kind: 'kiln'; readonly manifest: ArchiveManifest; readonly files: ArchiveFile[] }
  | { readonly kind: 'burn'; readonly files: ArchiveFile[]; readonly skipped: string[] };

/** A dropped zip or folder before its files are read: their paths, and a reader of those `keep` passes (it may refuse by throwing). */
export interface DroppedSource {
  readonly names: readonly string[];
  read(keep: (name: string) => boolean): Promise<UnzippedFile[]>;
}

const refuser = (archive: string) => (entry: string | null, problem: string) => new ArchiveError(archive, entry === null ? problem : `'${entry}' ${problem}`);

/** A zip held in memory: names from its directory, entries inflated only when kept (see unzipArchive). */
export async function zipSource(bytes: Uint8Array, archive: string, limits: ZipLimits = ARCHIVE_LIMITS): Promise<DroppedSource> {
  const names: string[] = [];
  await unzipArchive(bytes, archive, limits, (name) => (names.push(name), false));
  return { names, read: (keep) => unzipArchive(bytes, archive, limits, keep) };
}

/** Dropped files (a walked folder), each read only when kept, under the same limits as a zip's entries. */
export function filesSource(
  files: readonly { readonly path: string; readonly file: Blob }[],
  archive: string,
  limits: ZipLimits = ARCHIVE_LIMITS,
): DroppedSource {
  const refuse = refuser(archive);
  if (files.length > limits.entries) throw refuse(null, `has ${files.length} files, more than the ${limits.entries} Kiln reads`);
  return {
    names: files.map((f) => f.path),
    read: async (keep) => {
      const kept = files.filter((f) => keep(f.path));
      for (const f of kept)
        if (f.file.size > limits.entryBytes) throw refuse(f.path, `is ${f.file.size} bytes, over the ${limits.entryBytes}-byte limit per file`);
      if (kept.reduce((n, f) => n + f.file.size, 0) > limits.totalBytes) throw refuse(null, `holds more than the ${limits.totalBytes}-byte limit`);
      return Promise.all(kept.map(async (f) => ({ name: f.path, data: new Uint8Array(await f.file.arrayBuffer()) })));
    },
  };
}

/** The folder every path is in (a zipped or dropped folder: `run/train/...`), with its slash, or ''. */
function sharedFolder(names: readonly string[]): string {
  const first = names[0]?.split('/')[0];
  return first && names.every((n) => n.startsWith(`${first}/`)) ? `${first}/` : '';
}

/**
 * Reads a dropped zip or folder as a run, with or without the one folder its files are all in: a
 * Kiln archive (it has `kiln.json`: see `readArchive`), or the artifact folder of a Rust
 * burn-train run (it has metric logs `train|valid/epoch-N/<Metric>.log`). A Burn run keeps
 * experiment.log, the metric logs and the checkpoints; other files are left out and named.
 * Anything else is refused, naming what is missing.
 */
export async function readDroppedRun(source: DroppedSource, archive: string): Promise<DroppedRun> {
  const atRoot = (n: string) => n === 'kiln.json' || n === 'config.json' || BURN_METRIC_LOG.test(n);
  const folder = source.names.some(atRoot) ? '' : sharedFolder(source.names);
  const names = source.names.map((n) => n.slice(folder.length));
  const read = async (keep: (path: string) => boolean) =>
    (await source.read((name) => keep(name.slice(folder.length)))).map((f) => ({ name: f.name.slice(folder.length), data: f.data }));
  if (names.includes('kiln.json')) {
    const { manifest, files } = archiveOf(await read((path) => vetArchiveName(path, archive)), archive);
    return { kind: 'kiln', manifest, files };
  }
  const kilnFolder = await cliRun(names, read, archive);
  if (kilnFolder) return kilnFolder;
  if (!names.some((n) => BURN_METRIC_LOG.test(n))) {
    throw new ArchiveError(
      archive,
      "neither a Kiln run nor a Burn run: it has no kiln.json (a Kiln export's manifest) and no metric logs train/epoch-N/<Metric>.log or valid/epoch-N/<Metric>.log (what burn-train writes)",
    );
  }
  const keep = (path: string) => isSafePath(path) && BURN_LAYOUT.some((re) => re.test(path));
  const files = archiveFiles(await read(keep));
  return { kind: 'burn', files, skipped: names.filter((n) => !keep(n)) };
}

/**
 * A run folder as Kiln's CLI writes it (no kiln.json: a folder is not an export): every file is of
 * Kiln's layout and config.json reads as a Kiln run config (a burn-train example's config.json has
 * other fields: that folder is a Burn run). Imported as a run archive named after the folder; the
 * config and records are then checked as any archive's.
 */
async function cliRun(
  names: readonly string[],
  read: (keep: (path: string) => boolean) => Promise<UnzippedFile[]>,
  archive: string,
): Promise<DroppedRun | null> {
  if (!names.includes('config.json') || !names.every((n) => n.endsWith('/') || isLayoutPath(n))) return null;
  const [config] = await read((path) => path === 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(config.data));
  } catch {
    return null;
  }
  const c = json as { dataset?: { type?: unknown }; batchSize?: unknown; epochs?: unknown } | null;
  if (typeof c?.dataset?.type !== 'string' || typeof c.batchSize !== 'number' || typeof c.epochs !== 'number') return null;
  const files = archiveFiles(await read((path) => vetArchiveName(path, archive)));
  const name = archive.replace(/\.zip$/i, '');
  return { kind: 'kiln', manifest: { format: 'kiln.archive', version: ARCHIVE_VERSION, kind: 'run', name, createdAt: new Date().toISOString() }, files };
}
