import type { TensorRecord } from '../tensor-record';
import type { ModelInfo, WeightShape } from './infer';
import type { ManifestGroup } from './model-json';

/** A weight's name as Kiln's layer lists name it: `layer/weight`, without a scope before it or Keras' `:0` after. */
export function weightKey(name: string): string {
  return name.replace(/:\d+$/, '').split('/').slice(-2).join('/');
}

/** IEEE half-precision bits to a number. */
function halfToFloat(h: number): number {
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/**
 * The weights of a model.json's manifest, read from its shards (`shard(path)`: the bytes of a file
 * the manifest names, or undefined when it was not given): float32 and int32 as they are,
 * quantized ones (uint8, uint16 with scale and min, float16) dequantized to float32. Optimizer
 * weights are left out. Each is named `layer/weight` (`weightKey`). Errors name the file and the
 * shard or weight.
 */
export function readWeights(manifest: readonly ManifestGroup[], shard: (path: string) => Uint8Array | undefined, file: string): TensorRecord[] {
  const out: TensorRecord[] = [];
  for (const group of manifest) {
    const parts = group.paths.map((p) => {
      const bytes = shard(p);
      if (!bytes)
        throw new Error(`${file}: its weights file '${p}' is missing (give it with model.json, or give model.json alone to start from fresh weights)`);
      return bytes;
    });
    const buffer = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (buffer.set(p, at), at + p.length), 0);
    const view = new DataView(buffer.buffer);
    let at = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const stored = w.quantization?.dtype ?? w.dtype;
      const size = BYTES[stored];
      if (!size || (w.dtype !== 'float32' && w.dtype !== 'int32'))
        throw new Error(`${file}: weight '${w.name}' is stored as ${stored}, which Kiln cannot read`);
      if (at + count * size > buffer.length)
        throw new Error(`${file}: weight '${w.name}' needs bytes ${at}–${at + count * size} of its weights files, which hold ${buffer.length}`);
      const { scale = 1, min = 0 } = w.quantization ?? {};
      const read: (i: number) => number =
        stored === 'float32'
          ? (i) => view.getFloat32(at + 4 * i, true)
          : stored === 'int32'
            ? (i) => view.getInt32(at + 4 * i, true)
            : stored === 'float16'
              ? (i) => halfToFloat(view.getUint16(at + 2 * i, true))
              : stored === 'uint16'
                ? (i) => view.getUint16(at + 2 * i, true) * scale + min
                : (i) => view.getUint8(at + i) * scale + min;
      const data = w.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = read(i);
      if ((w as { group?: string }).group !== 'optimizer') out.push({ name: weightKey(w.name), shape: [...w.shape], dtype: w.dtype, data });
      at += count * size;
    }
  }
  return out;
}

/** Which of a model's weights imported ones fill: per weight (in the model's order) the import's, or null; and per layer what happened. */
export interface WeightMatch<T> {
  readonly trainable: (T | null)[];
  readonly state: (T | null)[];
  /** Layers every weight of which was imported. */
  readonly loaded: string[];
  /** Layers with weights that start fresh, and why. */
  readonly fresh: { readonly layer: string; readonly reason: string }[];
}

/**
 * Matches imported weights (named `layer/weight`) to a layer list's: a layer takes its imported
 * weights when every one of them is there with the model's shape, else it starts from its seeded
 * initialization (as Keras' `load_weights(by_name=True, skip_mismatch=True)`). Works on shapes
 * alone, so the studio shows which layers will load before any weight is read.
 */
export function matchWeights<T extends { name: string; shape: readonly number[] }>(info: ModelInfo, imported: readonly T[]): WeightMatch<T> {
  const byName = new Map(imported.map((t) => [t.name, t]));
  const loaded: string[] = [];
  const fresh: { layer: string; reason: string }[] = [];
  const taken = new Set<string>();
  for (const layer of info.layers) {
    if (!layer.weights.length) continue;
    const problem = layer.weights
      .map((w: WeightShape) => {
        const t = byName.get(w.name);
        if (!t) return `no weight '${w.name}' in the file`;
        return t.shape.join() === w.shape.join() ? null : `'${w.name}' is [${t.shape}] in the file, [${w.shape}] here`;
      })
      .find(Boolean);
    if (problem) fresh.push({ layer: layer.name, reason: problem });
    else {
      loaded.push(layer.name);
      for (const w of layer.weights) taken.add(w.name);
    }
  }
  const pick = (ws: readonly WeightShape[]) => ws.map((w) => (taken.has(w.name) ? byName.get(w.name)! : null));
  return { trainable: pick(info.trainable), state: pick(info.state), loaded, fresh };
}
