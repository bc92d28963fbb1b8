import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { registerNodeBackends } from '../src/cli/backends-node';
import { registerNodeWebGpu } from '../src/cli/webgpu-node';
import { DirectoryStore } from '../src/store/node-dir';
import { selectBackend } from '../src/train/learner/devices';
import { useFastKernels } from '../src/train/step/kernels';
import { CASES, planFor } from './cases';
import type { CaseResult } from './report';
import { runCase } from './run-case';

/** What the child writes to --out: its cases, or why the backend cannot run here. */
export type ChildOutput = { readonly cases: CaseResult[] } | { readonly notRun: string };

/**
 * One backend's cases in a process of its own (so backends share no state): the parent passes
 * `--backend --cases [--quick] --out FILE` and reads a ChildOutput from FILE.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { backend: { type: 'string' }, cases: { type: 'string' }, quick: { type: 'boolean' }, out: { type: 'string' } } });
  const backend = values.backend!;
  const write = (output: ChildOutput) => writeFileSync(values.out!, JSON.stringify(output));
  registerNodeBackends();
  let plans = backend;
  if (backend === 'webgpu') {
    try {
      const adapter = await registerNodeWebGpu();
      console.log(`webgpu (Node): ${adapter}`);
      // Without a GPU, Dawn runs on Mesa's OpenGL ES (software here): small steps only.
      if (/compatibility mode/.test(adapter)) plans = 'webgpu-gles';
    } catch (e) {
      return write({ notRun: (e as Error).message });
    }
  }
  await selectBackend([backend]);
  // Before any runner: all three train with the same kernels.
  useFastKernels(backend);
  const dirs: string[] = [];
  const makeStore = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
    dirs.push(dir);
    return new DirectoryStore(dir);
  };
  const ids = values.cases!.split(',');
  const results: CaseResult[] = [];
  try {
    for (const c of CASES.filter((c) => ids.includes(c.id))) {
      results.push(await runCase(backend, backend, c, planFor(plans, c.id, values.quick ?? false), makeStore, (line) => console.log(line)));
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  write({ cases: results });
}

main().catch((e: Error) => {
  console.error(`bench (${process.argv.join(' ')}): ${e.stack ?? e.message}`);
  process.exit(1);
});
