import { MemoryStore } from '../../src/store/memory';
import { selectBackend } from '../../src/train/learner/devices';
import { useFastKernels } from '../../src/train/step/kernels';
import { CASES, planFor, type BenchCase } from '../cases';
import type { CaseResult } from '../report';
import { runCase } from '../run-case';

/** What the bench's parent process calls through page.evaluate. */
export type KilnBench = (backend: string, tfBackend: string, cases: readonly BenchCase['id'][], quick: boolean) => Promise<CaseResult[]>;

/**
 * Runs the cases of one backend in this page, as the Node child does for cpu and wasm; the learner's
 * artifacts go to memory (the file logger still formats and appends every line).
 */
const kilnBench: KilnBench = async (backend, tfBackend, ids, quick) => {
  // The WebGPU backend registers itself only where navigator.gpu exists when it is imported.
  if (tfBackend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  await selectBackend([tfBackend]);
  useFastKernels(tfBackend);
  const results: CaseResult[] = [];
  for (const c of CASES.filter((c) => ids.includes(c.id))) {
    results.push(
      await runCase(
        backend,
        tfBackend,
        c,
        planFor(backend, c.id, quick),
        () => new MemoryStore(),
        (line) => console.log(line),
      ),
    );
  }
  return results;
};

(window as unknown as { kilnBench: KilnBench }).kilnBench = kilnBench;
