import { strFromU8 } from 'fflate';
import { checkDataset } from '../data/stored';
import { RunConfigSchema, type RunConfig } from '../protocol/run-config';
import { ArchiveError, type ArchiveFile, type ArchiveManifest } from '../store/archive';
import { checkModelPayload, checkOptimPayload, checkSchedulerPayload, recordCeilings } from '../train/checkpoint/payload';
import { decodeRecord, type PackedTensor } from '../train/checkpoint/record';
import { parseMetricLog } from '../train/logger/format';
import { parseConfusionFile } from '../train/metric/confusion-matrix';
import type { OptimizerConfig } from '../train/optim/config';
import { paramShapes, type ParamShape } from '../train/model/params';
import type { ModelShape } from '../train/model/presets';
import { DATASET_FILES, MNIST_SHAPE, parseDatasetMeta } from '../recipe/run-files';

/** What an archive's files amount to, once every one of them checked out. */
export interface CheckedImport {
  readonly config: RunConfig;
  readonly checkpoints: number[];
  readonly epochsDone: number;
}

/** The slots each optimizer keeps per weight, as its config makes it (src/train/optim). */
function slotNames(config: OptimizerConfig): string[] {
  switch (config.type) {
    case 'sgd':
      return config.momentum > 0 ? ['momentum'] : [];
    case 'adam':
    case 'adamw':
      return ['m', 'v'];
    case 'rmsprop':
      return ['ms', ...(config.centered ? ['mg'] : []), ...(config.momentum > 0 ? ['momentum'] : [])];
  }
}

/** The epoch a layout path belongs to, if any. */
const epochOf = (path: string) => Number(/^(?:train|valid)\/epoch-(\d+)\/|^checkpoint\/\w+-(\d+)\.mpk\.gz$/.exec(path)?.slice(1).find(Boolean) ?? 0);

/**
 * Checks every file of an archive against its format before anything is stored: the config, the
 * epochs its paths name, the stored dataset (whole), and each checkpoint's three records against
 * the model the config builds (computed, not built) and the config's optimizer. One record is
 * unpacked at a time. Errors name the archive and the entry.
 */
export function checkImport(archive: string, manifest: ArchiveManifest, files: readonly ArchiveFile[]): CheckedImport {
  const byPath = new Map(files.map((f) => [f.path, f.data]));
  const fail = (entry: string, problem: string) => new ArchiveError(archive, `${entry}: ${problem}`);
  const configBytes = byPath.get('config.json');
  if (!configBytes) throw new ArchiveError(archive, "no config.json: the run's settings are missing");
  let config: RunConfig;
  try {
    config = RunConfigSchema.parse(JSON.parse(strFromU8(configBytes)));
  } catch (e) {
    throw new ArchiveError(archive, `config.json is not a valid run config (${(e as Error).message.split('\n')[0]})`);
  }
  for (const f of files) {
    const epoch = epochOf(f.path);
    if (epoch > config.epochs) throw fail(f.path, `is of epoch ${epoch}, past the run's ${config.epochs} epochs`);
    if (f.path.endsWith('/ConfusionMatrix.json')) asArchiveError(archive, '', () => parseConfusionFile(strFromU8(f.data), f.path));
  }
  const checkpoints = [...new Set(files.flatMap((f) => /^checkpoint\/model-(\d+)\.mpk\.gz$/.exec(f.path)?.[1] ?? []).map(Number))].sort((a, b) => a - b);
  if (manifest.kind === 'checkpoint' && (checkpoints.length !== 1 || (manifest.epoch !== undefined && manifest.epoch !== checkpoints[0]))) {
    throw new ArchiveError(archive, `a checkpoint archive must hold exactly the one checkpoint its kiln.json names`);
  }
  const params = paramShapes(config.model, modelShape(archive, config, byPath));
  const ceilings = recordCeilings(params);
  for (const n of checkpoints) checkCheckpoint(archive, n, config, params, ceilings, byPath);
  const epochsDone = files.reduce((most, f) => Math.max(most, epochOf(f.path)), 0);
  return { config, checkpoints, epochsDone };
}

/** The model's shape: MNIST's, or the stored dataset's, once `dataset.json` and `data.mpk.gz` agree. */
function modelShape(archive: string, config: RunConfig, byPath: Map<string, Uint8Array>): ModelShape {
  if (config.dataset.type === 'mnist') return MNIST_SHAPE;
  const metaBytes = byPath.get(DATASET_FILES.meta);
  const data = byPath.get(DATASET_FILES.data);
  if (!metaBytes || !data)
    throw new ArchiveError(
      archive,
      `the run trains on a ${config.dataset.type} dataset but ${!metaBytes ? DATASET_FILES.meta : DATASET_FILES.data} is missing`,
    );
  const meta = asArchiveError(archive, '', () => parseDatasetMeta(metaBytes));
  const splits = asArchiveError(archive, `${DATASET_FILES.data}: `, () => checkDataset(data));
  for (const s of [splits.train, splits.valid]) {
    const fits = s.itemShape.length === meta.inputShape.length && s.itemShape.every((d, i) => d === meta.inputShape[i]);
    if (!fits)
      throw new ArchiveError(archive, `${DATASET_FILES.meta} says items are [${meta.inputShape}], ${DATASET_FILES.data} holds items of [${s.itemShape}]`);
    const classes = meta.task === 'classification';
    if (classes !== (s.yType === 'int32') || (classes && s.numClasses !== meta.outputs)) {
      throw new ArchiveError(archive, `${DATASET_FILES.meta} (${meta.task}, ${meta.outputs} outputs) does not describe ${DATASET_FILES.data}`);
    }
  }
  return { inputShape: meta.inputShape, outputs: meta.outputs };
}

/** Runs `check`, turning its error into the archive's (the message prefixed with `entry`). */
function asArchiveError<T>(archive: string, entry: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw new ArchiveError(archive, `${entry}${(e as Error).message}`);
  }
}

/** Checks one checkpoint's three records, each unpacked to at most what the model can hold. */
function checkCheckpoint(
  archive: string,
  n: number,
  config: RunConfig,
  params: readonly ParamShape[],
  ceilings: { model: number; optim: number },
  byPath: Map<string, Uint8Array>,
): void {
  const fail = (entry: string, problem: string) => new ArchiveError(archive, `${entry}: ${problem}`);
  const read = (kind: 'model' | 'optim' | 'scheduler', maxBytes?: number) => {
    const path = `checkpoint/${kind}-${n}.mpk.gz`;
    const bytes = byPath.get(path);
    if (!bytes) throw fail(path, 'is missing: a checkpoint needs its model, optim and scheduler records');
    // gzip's trailer states the unpacked size: a model record larger than the config's model can be is another model's.
    const size = kind === 'model' && bytes.length >= 18 ? new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true) : 0;
    if (maxBytes !== undefined && size > maxBytes) {
      throw fail(path, `unpacks to ${size} bytes, more than the ${maxBytes} that the weights of the config's model can take: it is a record of another model`);
    }
    return { path, record: wrap(() => decodeRecord(bytes, path, kind, maxBytes)) };
  };
  const wrap = <T>(check: () => T): T => asArchiveError(archive, '', check);
  const fits = (path: string, what: string, tensors: readonly PackedTensor[]) => {
    if (tensors.length !== params.length) throw fail(path, `${what} has ${tensors.length} tensors, the model ${params.length}`);
    tensors.forEach((t, i) => {
      const p = params[i];
      if (t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k]))
        throw fail(path, `${what} ${i} '${t.name}' has shape [${t.shape}], the model's '${p.name}' is [${p.shape}]`);
    });
  };
  const model = read('model', ceilings.model);
  fits(model.path, 'weight', wrap(() => checkModelPayload(model.record.payload, model.path)).weights);
  const optim = read('optim', ceilings.optim);
  const state = wrap(() => checkOptimPayload(optim.record.payload, optim.path));
  if (state.type !== config.optimizer.type)
    throw fail(optim.path, `holds '${state.type}' optimizer state, the run's config trains with '${config.optimizer.type}'`);
  const wanted = state.step > 0 || Object.keys(state.slots).length ? slotNames(config.optimizer) : [];
  const held = Object.keys(state.slots).sort();
  if (held.join() !== [...wanted].sort().join()) throw fail(optim.path, `holds slots [${held}], the run's optimizer keeps [${wanted}]`);
  for (const name of held) fits(optim.path, `slot '${name}' tensor`, state.slots[name]);
  const scheduler = read('scheduler');
  wrap(() => checkSchedulerPayload(scheduler.record.payload, scheduler.path, n));
  if (new Set([model.record.checkpoint.id, optim.record.checkpoint.id, scheduler.record.checkpoint.id]).size !== 1) {
    throw fail(`checkpoint ${n}`, 'is incomplete: its model, optim and scheduler records come from different saves');
  }
}

/** What a Burn run's files amount to, once every one of them checked out. */
export interface CheckedBurnRun {
  /** The last epoch any metric log is of. */
  readonly epochs: number;
}

/**
 * Checks a Burn run's files before anything is stored: experiment.log is UTF-8 text and every
 * metric log reads as Burn (0.19–0.22) writes them. Errors name the archive, the entry and the line.
 */
export function checkBurnRun(archive: string, files: readonly ArchiveFile[]): CheckedBurnRun {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (f: ArchiveFile) => asArchiveError(archive, `${f.path}: `, () => utf8.decode(f.data));
  for (const f of files) {
    if (f.path === 'experiment.log') text(f);
    else if (f.path.endsWith('.log')) asArchiveError(archive, '', () => parseMetricLog(text(f), f.path));
  }
  return { epochs: files.reduce((most, f) => Math.max(most, epochOf(f.path)), 0) };
}
