import { ARCHIVE_LIMITS, ArchiveError, type ArchiveFile, type ArchiveManifest, readArchive } from './archive';
import { checkPath } from './base';
import { unzipChecked, type ZipLimits } from './zip-read';

/** A Burn (burn-train 0.19–0.22) metric log: `<split>/epoch-N/<Metric>.log`. */
const BURN_METRIC_LOG = /^(train|valid)\/epoch-[1-9]\d*\/[^/]+\.log$/;

/** What of a Burn artifact folder the studio keeps: the log, the metric logs and the checkpoints (whatever recorder wrote them). */
const BURN_LAYOUT = [/^experiment\.log$/, BURN_METRIC_LOG, /^checkpoint\/(model|optim|scheduler)-[1-9]\d*\.(mpk|bin|json)(\.gz)?$/];

/** A dropped zip: a Kiln archive, or a Burn artifact folder (the files kept, and those left out). */
export type RunZip =
  | { readonly kind: 'kiln'; readonly manifest: ArchiveManifest; readonly files: ArchiveFile[] }
  | { readonly kind: 'burn'; readonly files: ArchiveFile[]; readonly skipped: string[] };

/** The folder every file of a zip is in (a zipped folder: `run/train/...`), with its slash, or ''. */
function sharedFolder(names: readonly string[]): string {
  const first = names[0]?.split('/')[0];
  return first && names.every((n) => n.startsWith(`${first}/`)) ? `${first}/` : '';
}

/**
 * Reads a dropped zip as a run: a Kiln archive (it has `kiln.json`: see `readArchive`), or the
 * artifact folder of a Rust burn-train run, zipped with or without its folder (it has metric logs
 * `train|valid/epoch-N/<Metric>.log`). A Burn run keeps experiment.log, the metric logs and the
 * checkpoints; other files are left out and named. Anything else is refused, naming what is missing.
 */
export function readRunZip(bytes: Uint8Array, archive: string, limits: ZipLimits = ARCHIVE_LIMITS): RunZip {
  const refuse = (entry: string | null, problem: string) => new ArchiveError(archive, entry === null ? problem : `'${entry}' ${problem}`);
  const names: string[] = [];
  unzipChecked(bytes, limits, (name) => (names.push(name), false), refuse);
  if (names.includes('kiln.json')) {
    const { manifest, files } = readArchive(bytes, archive, limits);
    return { kind: 'kiln', manifest, files };
  }
  const folder = names.some((n) => BURN_METRIC_LOG.test(n)) ? '' : sharedFolder(names);
  const inRun = names.map((n) => n.slice(folder.length));
  if (!inRun.some((n) => BURN_METRIC_LOG.test(n))) {
    throw new ArchiveError(
      archive,
      "neither a Kiln run nor a Burn run: it has no kiln.json (a Kiln export's manifest) and no metric logs train/epoch-N/<Metric>.log or valid/epoch-N/<Metric>.log (what burn-train writes)",
    );
  }
  const keep = (path: string) => {
    try {
      checkPath(path);
    } catch {
      return false;
    }
    return BURN_LAYOUT.some((re) => re.test(path));
  };
  const skipped = inRun.filter((n) => !keep(n));
  const files = unzipChecked(bytes, limits, (name) => keep(name.slice(folder.length)), refuse)
    .map((f) => ({ path: f.name.slice(folder.length), data: f.data }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { kind: 'burn', files, skipped };
}
