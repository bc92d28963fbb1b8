// The digits the end-to-end case trains on, for the PyTorch and Lightning baselines: the built-in
// 10,000 MNIST digits split as `npm run train -- --dataset mnist` splits them (valid fraction 0.2,
// seed 0, stratified), written as .npy files: train-x and valid-x (n × 784 float32, the pixel
// values Kiln trains on), train-y and valid-y (int32 labels).
//   npx tsx bench/e2e/mnist-export.ts OUT_DIR [--valid-fraction 0.2] [--seed 0]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { splitData } from '../../src/data/dataloader';
import { loadMnist } from '../../src/data/mnist-node';

/** A .npy file (format 1.0) of a little-endian float32 or int32 array of `shape`. */
export function npy(data: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // The header (magic, version, its length, the dict) pads with spaces to a multiple of 64 and ends in a newline.
  const padded = `${dict}${' '.repeat(63 - ((10 + dict.length) % 64))}\n`;
  const out = new Uint8Array(10 + padded.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, padded.length & 255, padded.length >> 8]);
  out.set(Buffer.from(padded, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + padded.length);
  return out;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'valid-fraction': { type: 'string', default: '0.2' }, seed: { type: 'string', default: '0' } },
});
const out = positionals[0];
if (!out) throw new Error('usage: mnist-export.ts OUT_DIR [--valid-fraction 0.2] [--seed 0]');
const split = splitData(loadMnist(), { validFraction: Number(values['valid-fraction']), seed: Number(values.seed) });
mkdirSync(out, { recursive: true });
for (const [name, data] of Object.entries(split)) {
  const n = data.y.length;
  writeFileSync(join(out, `${name}-x.npy`), npy(data.x as Float32Array, [n, 784]));
  writeFileSync(join(out, `${name}-y.npy`), npy(Int32Array.from(data.y), [n]));
  console.log(`${name}: ${n} digits`);
}
