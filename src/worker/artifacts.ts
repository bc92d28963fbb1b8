import { strFromU8, zipSync } from 'fflate';
import { type ModelFormatName, modelFile } from '../export/format-list';
import type { ExportHost } from '../export/base';
import { MODEL_WRITERS } from '../export/formats';
import { loadModel } from '../infer/load';
import type { ExportKind } from '../protocol/index';
import { describeDataset, describeModel } from '../protocol/describe';
import type { ArtifactStore } from '../store/base';
import { zipArchive, type ArchivedRun, type ArchiveFile, type ArchiveManifest } from '../store/archive';
import { type DroppedSource, filesSource, readDroppedRun, zipSource } from '../store/dropped-run';
import type { KilnDb, RunRecord } from '../store/idb';
import { bestMetric, bestSoFar, type BestMetric } from '../recipe/learner';
import { openRun } from './browse';
import { checkBurnRun, checkImport } from './import-check';
import { loadMnist } from './mnist';

/** What the model writers need from the worker: the built-in digits, and the Lightning project's Python (bundled, loaded when asked for). */
const HOST: ExportHost = {
  mnist: () => loadMnist(() => {}),
  python: async () => {
    const sources = import.meta.glob<string>('../export/lightning/*.py', { query: '?raw', import: 'default' });
    return new Map(await Promise.all(Object.entries(sources).map(async ([path, load]) => [path.slice(path.lastIndexOf('/') + 1), await load()] as const)));
  },
};

/** A download: its name and the archive's parts. */
export interface Download {
  readonly fileName: string;
  readonly parts: ArrayBuffer[];
}

const fileSafe = (name: string) => name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'run';

async function zipped(fileName: string, manifest: ArchiveManifest, files: ArchiveFile[]): Promise<Download> {
  const parts: ArrayBuffer[] = [];
  await zipArchive(manifest, files, (chunk) => parts.push(chunk.slice().buffer));
  return { fileName, parts };
}

/** Every file at `paths` of a store, read one after the other so that a cancel stops between files. */
async function readAll(store: ArtifactStore, paths: readonly string[], signal?: AbortSignal): Promise<ArchiveFile[]> {
  const files: ArchiveFile[] = [];
  for (const path of paths) {
    signal?.throwIfAborted();
    files.push({ path, data: (await store.read(path))! });
  }
  return files;
}

/**
 * Builds a download: the whole run tree (`run`), one checkpoint with the config (`checkpoint`),
 * or the trained model in one of the model formats (`model`; TensorFlow.js's layers format that
 * `tf.loadLayersModel` reads by default), with its metadata.
 * `signal` stops it between files.
 */
export async function exportArtifacts(
  kiln: KilnDb,
  runId: string,
  what: ExportKind,
  epoch?: number,
  signal?: AbortSignal,
  format: ModelFormatName = 'tfjs',
): Promise<Download> {
  const run = await kiln.run(runId);
  if (!run) throw new Error(`run ${runId} is not stored`);
  const store = kiln.store(runId);
  const base = fileSafe(run.name);
  const createdAt = new Date().toISOString();
  const listed: ArchivedRun = {
    status: run.status,
    createdAt: new Date(run.createdAt).toISOString(),
    updatedAt: new Date(run.updatedAt).toISOString(),
    ...(run.best ? { best: run.best } : {}),
    ...(run.message ? { message: run.message } : {}),
  };
  if (what === 'run') {
    const files = await readAll(store, await store.list(), signal);
    // A Burn run (imported, no Kiln config) goes back out as the artifact folder it came as.
    if (run.config === null) return { fileName: `${base}.zip`, parts: [plainZip(files)] };
    return zipped(`${base}.zip`, { format: 'kiln.archive', version: 1, kind: 'run', name: run.name, createdAt, run: listed }, files);
  }
  const n = epoch ?? run.checkpoints[run.checkpoints.length - 1];
  if (n === undefined || !run.checkpoints.includes(n)) throw new Error(`run '${run.name}' has no checkpoint ${epoch ?? ''}`.trim());
  if (what === 'checkpoint') {
    // With the run's dataset files, if any: a checkpoint resumes only on the data it was trained on.
    const dataset = (await store.list()).filter((p) => p.startsWith('dataset/'));
    const paths = ['config.json', ...dataset, ...['model', 'optim', 'scheduler'].map((k) => `checkpoint/${k}-${n}.mpk.gz`)];
    const files = await readAll(store, paths, signal);
    return zipped(
      `${base}-epoch-${n}.zip`,
      { format: 'kiln.archive', version: 1, kind: 'checkpoint', name: run.name, epoch: n, createdAt, run: listed },
      files,
    );
  }
  const loaded = await loadModel(store, n);
  try {
    const file = modelFile(format);
    const files = await MODEL_WRITERS[format](loaded, run.name, store, file ?? 'model', HOST);
    // A one-file format whose export is that file alone downloads as it; the others as one zip of their files.
    if (file && files.length === 1) return { fileName: `${base}-epoch-${n}-${file}`, parts: [files[0].data.slice().buffer] };
    return { fileName: `${base}-epoch-${n}-${format}-model.zip`, parts: [plainZip(files)] };
  } finally {
    loaded.model.dispose();
  }
}

/** A zip of files without a manifest (the model export and a Burn run are not Kiln archives). */
function plainZip(files: readonly ArchiveFile[]): ArrayBuffer {
  return zipSync(Object.fromEntries(files.map((f) => [f.path, f.data]))).slice().buffer;
}

/** Milliseconds of an ISO time, if it is one. */
const time = (iso: string | undefined) => {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

/** When a run's experiment.log began: the time its first line starts with. */
function firstLogTime(files: readonly ArchiveFile[]): number | undefined {
  const log = files.find((f) => f.path === 'experiment.log');
  return log && time(/^(\d{4}-\d\d-\d\dT[\d:.]+Z) /.exec(strFromU8(log.data.subarray(0, 64)))?.[1]);
}

/** The best epoch up to `until` of a stored run, from its valid metric logs. */
export async function bestUntil(kiln: KilnDb, runId: string, until: number, by: BestMetric): Promise<RunRecord['best']> {
  const valid = (await openRun(kiln, runId, until)).series.find((s) => s.name === by.name)?.valid;
  let best: RunRecord['best'];
  valid?.epochX.forEach((epoch, i) => (best = bestSoFar(best, epoch, { [by.name]: valid.epochY[i] }, by)));
  return best;
}

const newRunId = () => `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;

/** Restores a dropped zip as a new run (see `importDropped`). */
export async function importArchive(kiln: KilnDb, fileName: string, bytes: Uint8Array): Promise<RunRecord> {
  return importDropped(kiln, fileName, await zipSource(bytes, fileName));
}

/** Restores a dropped folder (its files, paths from the folder's name on) as a new run (see `importDropped`). */
export function importFolder(kiln: KilnDb, name: string, files: readonly { path: string; file: Blob }[]): Promise<RunRecord> {
  return importDropped(kiln, name, filesSource(files, name));
}

/**
 * Restores a dropped zip or folder as a new run: a Kiln archive, or a burn-train artifact folder.
 * Everything is checked before anything is stored: layout, sizes and format versions
 * (readDroppedRun), then every file against its format and, for Kiln, the records against the
 * model the config builds (checkImport). Then one transaction stores it all.
 */
async function importDropped(kiln: KilnDb, fileName: string, source: DroppedSource): Promise<RunRecord> {
  const read = await readDroppedRun(source, fileName);
  if (read.kind === 'burn') return importBurnRun(kiln, fileName, read.files, read.skipped);
  const { manifest, files } = read;
  const { config, checkpoints, epochsDone } = checkImport(fileName, manifest, files);
  const id = newRunId();
  const now = Date.now();
  const listed = manifest.run;
  // The original run's dates and status where the archive says them (older archives: its log's first line, and its epochs).
  const createdAt = time(listed?.createdAt) ?? firstLogTime(files) ?? now;
  const run: RunRecord = {
    id,
    name: manifest.name,
    createdAt,
    updatedAt: time(listed?.updatedAt) ?? createdAt,
    status: listed ? (listed.status === 'running' ? 'interrupted' : listed.status) : epochsDone >= config.epochs ? 'done' : 'stopped',
    dataset: describeDataset(config.dataset),
    model: describeModel(config.model),
    config,
    epochs: config.epochs,
    epochsDone,
    checkpoints,
    ...(listed?.best && listed.best.epoch <= epochsDone ? { best: listed.best } : {}),
    message: listed?.status === 'running' ? 'exported while it trained; its completed epochs and checkpoints are kept' : listed?.message,
    imported: { from: fileName, at: now },
  };
  await kiln.addRun(run, files);
  if (run.best || !epochsDone) return run;
  // An archive that does not say its best epoch (older ones, a Lightning continuation's): from its valid logs.
  const best = await bestUntil(kiln, id, epochsDone, bestMetric(config.dataset.type === 'table' ? config.dataset.task : 'classification'));
  if (!best) return run;
  await kiln.updateRun(id, { best });
  return { ...run, best };
}

/**
 * Stores a burn-train run for its charts, summary and files: its metric logs, experiment.log and
 * checkpoints, under the zip's name. It has no Kiln config, so it cannot be resumed or exported here.
 */
async function importBurnRun(kiln: KilnDb, fileName: string, files: ArchiveFile[], skipped: readonly string[]): Promise<RunRecord> {
  const { epochs } = checkBurnRun(fileName, files);
  const now = Date.now();
  const left = skipped.length
    ? `; left out ${skipped.length} other file${skipped.length > 1 ? 's' : ''} (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''})`
    : '';
  const createdAt = firstLogTime(files) ?? now;
  const run: RunRecord = {
    id: newRunId(),
    name: `${fileName.replace(/\.zip$/i, '')} (Burn run)`,
    createdAt,
    updatedAt: createdAt,
    status: 'done',
    dataset: 'Burn run',
    model: 'burn-train',
    config: null,
    epochs,
    epochsDone: epochs,
    checkpoints: [],
    message: `a Burn run, to look at (it has no Kiln config to resume or export)${left}`,
    imported: { from: fileName, at: now },
  };
  await kiln.addRun(run, files);
  return run;
}
