import { declareAll, flatKernel, type KernelSource } from './common';

/** A batch's rows: `rows` rows of `rowWords` words, from the dataset rows the epoch order names. */
export interface GatherSpec {
  readonly rows: number;
  readonly rowWords: number;
}

/**
 * Copies the step's batch from the resident dataset: batch row r is dataset row
 * order[step.row0 + r]. Rows are copied as u32 words, features and labels alike, so integer
 * labels pass bit for bit (a float copy could flush their bit patterns as denormals).
 * Bindings: data, order, batch, step.
 */
export function gatherKernel(spec: GatherSpec, maxThreads: number): KernelSource {
  const bindings = [
    { role: 'data', kind: 'read' },
    { role: 'order', kind: 'read' },
    { role: 'batch', kind: 'rw' },
    { role: 'step', kind: 'step' },
  ] as const;
  const flat = flatKernel(
    spec.rows * spec.rowWords,
    `let r = i / ${spec.rowWords}u;
  let w = i % ${spec.rowWords}u;
  batch[i] = data[order[step.row0 + r] * ${spec.rowWords}u + w];`,
    maxThreads,
  );
  const code = /* wgsl */ `
${declareAll(bindings, { data: 'array<u32>', order: 'array<u32>', batch: 'array<u32>' })}
${flat.code}`;
  return { label: 'gather batch', code, bindings, workgroups: flat.workgroups };
}
