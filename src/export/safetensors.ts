import type { LoadedModel } from '../infer/load';
import type { ExportFile } from './base';
import { modelMetadata } from './metadata';
import { modelPy } from './model-py';
import { type TorchPlan, torchPlan, toTorch } from './torch-modules';

/** One tensor of a safetensors file: little-endian values, row-major. */
export interface SafeTensor {
  readonly name: string;
  readonly dtype: 'F32' | 'I64';
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/**
 * A safetensors file (huggingface/safetensors' format): an 8-byte little-endian header length,
 * the JSON header (each tensor's dtype, shape and byte range in the data; `__metadata__` a map of
 * strings), padded with spaces to 8 bytes, then the tensors' bytes back to back.
 */
export function safetensors(tensors: readonly SafeTensor[], metadata: { readonly [key: string]: string }): Uint8Array {
  const header: { [key: string]: unknown } = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const json = new Uint8Array(Math.ceil(text.byteLength / 8) * 8).fill(0x20);
  json.set(text);
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const t of tensors) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}

/** The model's state dict in PyTorch's layouts: every weight, and a zero `num_batches_tracked` per batch norm. */
export async function torchStateDict(plan: TorchPlan, loaded: LoadedModel): Promise<SafeTensor[]> {
  const byName = new Map(loaded.model.weights.map((w) => [w.originalName, w]));
  const tensors: SafeTensor[] = [];
  for (const place of plan.places) {
    const w = byName.get(place.name)!;
    const values = (await w.read().data()) as Float32Array;
    tensors.push({
      name: place.key,
      dtype: 'F32',
      shape: place.shape,
      data: toTorch(place, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), w.shape as number[]),
    });
  }
  for (const key of plan.counters) tensors.push({ name: key, dtype: 'I64', shape: [], data: new Uint8Array(8) });
  return tensors;
}

/**
 * The input standardization as per-input lists: a model input is (raw − mean) / std, the raw
 * input a numeric column's value, a one-hot category's 0 or 1 (mean 0, std 1), or an image's
 * pixel in [0, 1] (per channel: mean 0, std 1, as Kiln trains on them).
 */
function standardization(loaded: LoadedModel, plan: TorchPlan): { mean: number[]; std: number[] } {
  if (loaded.input.kind === 'image') return { mean: Array(plan.inputShape[0]).fill(0), std: Array(plan.inputShape[0]).fill(1) };
  const mean: number[] = [];
  const std: number[] = [];
  for (const f of loaded.input.preprocessing.features) {
    if (f.kind === 'numeric') {
      mean.push(f.mean);
      // A constant column is only centred (src/data/table/encode.ts).
      std.push(f.std > 0 && 1 / f.std < Infinity ? f.std : 1);
    } else
      for (const _ of f.categories) {
        mean.push(0);
        std.push(1);
      }
  }
  return { mean, std };
}

/** `__metadata__`: what a user needs beside the weights, each value a string (JSON for lists and objects). */
export function torchMetadata(loaded: LoadedModel, plan: TorchPlan, run: string): { [key: string]: string } {
  const meta = modelMetadata(loaded, run, new Date().toISOString());
  const { mean, std } = standardization(loaded, plan);
  const json = JSON.stringify;
  return {
    format: 'pt',
    task: meta.task,
    ...(meta.classNames ? { classNames: json(meta.classNames) } : {}),
    mean: json(mean),
    std: json(std),
    inputShape: json(plan.inputShape),
    preprocessing: json(meta.preprocessing),
    output: json(meta.output),
    source: json(meta.source),
  };
}

/**
 * The safetensors export: the checkpoint's weights under PyTorch's `nn.Sequential` names
 * (`<index>.weight`) and layouts, with the input standardization and class names in its metadata,
 * and `model.py` that builds the matching modules and loads it. `file` is the weights' file name.
 */
export async function safetensorsExport(loaded: LoadedModel, run: string, file = 'model.safetensors'): Promise<ExportFile[]> {
  const plan = torchPlan(loaded.model);
  const weights = safetensors(await torchStateDict(plan, loaded), torchMetadata(loaded, plan, run));
  return [
    { path: file, data: weights },
    { path: 'model.py', data: new TextEncoder().encode(modelPy(plan, loaded, { name: run, epoch: loaded.epoch, weights: file })) },
  ];
}
