import type { ModelFilePick, Task } from '../protocol/index';
import type { RunConfig } from '../protocol/run-config';
import { importModelJson } from '../train/model/import';
import type { ModelShape } from '../train/model/infer';
import type { LayerList } from '../train/model/layer-spec';
import type { TensorRecord } from '../train/tensor-record';

/** What the studio learns of an opened model.json: its layer list, and its weights' names and shapes (the data stays here). */
export interface OpenedModel {
  readonly config: LayerList;
  readonly weights: { name: string; shape: number[] }[] | null;
}

/** The last name of a path (`weights/group1-shard1of1.bin` → `group1-shard1of1.bin`). */
const baseName = (path: string) => path.split('/').pop() ?? path;

/**
 * The worker's imported models: the last model.json the user opened, with its weights, kept
 * until a run starts from it (which then stores them with the run).
 */
export class ModelHost {
  private opened: { source: string; weights: TensorRecord[] } | null = null;

  /**
   * Reads a model.json and the weights files given with it (matched by file name to the paths its
   * manifest names); errors name the file and the layer.
   */
  async open(files: readonly ModelFilePick[], shape: ModelShape, task: Task): Promise<OpenedModel> {
    const json = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
    if (json.length !== 1) throw new Error(json.length ? `give one model.json, not ${json.length} JSON files` : 'no model.json among the files');
    const text = await json[0]!.file.text();
    const shards = new Map(
      await Promise.all(files.filter((f) => f !== json[0]).map(async (f) => [f.name, new Uint8Array(await f.file.arrayBuffer())] as const)),
    );
    const imported = importModelJson(text, json[0]!.name, (path) => shards.get(baseName(path)), shape, task);
    this.opened = imported.weights ? { source: json[0]!.name, weights: imported.weights } : null;
    return { config: imported.config, weights: imported.weights?.map((w) => ({ name: w.name, shape: w.shape })) ?? null };
  }

  /** The imported weights a run of `config` starts from, if they are the ones opened here. */
  weightsFor(config: RunConfig): TensorRecord[] | undefined {
    const source = config.model.type === 'layers' ? config.model.initial?.source : undefined;
    return source !== undefined && this.opened?.source === source ? this.opened.weights : undefined;
  }
}
