import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { importModelJson } from '../train/model/import';
import { inferLayers, type ModelShape } from '../train/model/infer';
import { type LayerList, LayerListSchema } from '../train/model/layer-spec';
import type { TensorRecord } from '../train/tensor-record';

/** The model `--model-file` names, for the data the run trains on. */
export interface ModelFile {
  readonly config: LayerList;
  /** A model.json's weights (named `layer/weight`), when its weights files lie beside it; else null. */
  readonly weights: TensorRecord[] | null;
  /** A line for the console: what was read and which layers take imported weights. */
  readonly describe: string;
}

/**
 * Reads `--model-file`: a TensorFlow.js layers model.json (with the weights files its manifest
 * names, looked up beside it: all of them, or none for the topology alone), or a layer list as
 * the studio stores it (docs/FORMATS.md). Throws, naming the file, what does not fit the data.
 */
export function readModelFile(path: string, data: ModelShape, task: 'classification' | 'regression'): ModelFile {
  const fail = (problem: string) => new Error(`--model-file: ${problem}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw fail(`${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: { modelTopology?: unknown };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`${path} is not JSON (${(e as Error).message})`);
  }
  if (json?.modelTopology !== undefined) {
    const shard = (p: string) => {
      const file = resolve(dirname(path), p);
      return existsSync(file) ? readFileSync(file) : undefined;
    };
    let imported: ReturnType<typeof importModelJson>;
    try {
      imported = importModelJson(text, path, shard, data, task);
    } catch (e) {
      throw fail((e as Error).message);
    }
    if (imported.info.error) throw fail(`${path}: ${imported.info.error}`);
    const fresh = imported.fresh.map((f) => `${f.layer} (${f.reason})`);
    const weights = imported.weights
      ? `weights for ${imported.loaded.length} layer${imported.loaded.length === 1 ? '' : 's'}${fresh.length ? `; fresh: ${fresh.join('; ')}` : ''}`
      : 'no weights files beside it: fresh seeded weights';
    return { config: imported.config, weights: imported.weights, describe: `${path}: ${imported.config.layers.length} layers, ${weights}` };
  }
  const parsed = LayerListSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`${path} is neither a model.json nor a layer list (${issue.path.join('.') || 'the file'}: ${issue.message})`);
  }
  if (parsed.data.initial) throw fail(`${path} starts from the weights of ${parsed.data.initial.source}: give that model.json instead`);
  const info = inferLayers(parsed.data.layers, data, task);
  if (info.error) throw fail(`${path}: ${info.error}`);
  return { config: parsed.data, weights: null, describe: `${path}: ${parsed.data.layers.length} layers, ${info.params.toLocaleString('en-US')} parameters` };
}
