// The learner on the compiled WebGPU step over epochs long enough to show its pace, beside the
// step alone (bench/compiled.ts): ms per step inside an epoch, ms per step from the first step's
// values to the last epoch's end (every epoch's boundary, checkpoint reads and what of their writes
// is not overlapped included), the checkpoint's size and latency, and the time to the first step. Loss and
// Accuracy on train, the file logger and checkpointer on, no validation (as the bench's (d)); each
// case after an untimed epoch. Node only:
//   npx tsx bench/learner-steady.ts [--cases mlp,mlp-1024,mlp-wide,mlp-wide-4096,cnn,cnn-1024] [--items 100000] [--epochs 3] [--checkpoints on|off] [--json FILE]
// (--checkpoints off: no checkpointer, to tell the checkpoints' share of the pace from the rest of the boundary.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { registerNodeBackends } from '../src/cli/backends-node';
import { registerNodeWebGpu } from '../src/cli/webgpu-node';
import { DirectoryStore } from '../src/store/node-dir';
import { selectBackend } from '../src/train/learner/devices';
import { formatStartup } from '../src/train/learner/startup';
import { CASES } from './cases';
import { mnistShaped } from './data';
import { SEED } from './run-case';
import { runLearner } from './runners/learner';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: 'mlp,mlp-1024,mlp-wide,mlp-wide-4096,cnn,cnn-1024' },
    /** Items an epoch holds at most (whole batches; at least 20). */
    items: { type: 'string', default: '100000' },
    epochs: { type: 'string', default: '3' },
    checkpoints: { type: 'string', default: 'on' },
    json: { type: 'string' },
  },
});
if (!['on', 'off'].includes(values.checkpoints)) throw new Error(`--checkpoints: '${values.checkpoints}' is not on or off`);
const checkpoints = values.checkpoints === 'on';
registerNodeBackends();
console.log(`webgpu (Node): ${await registerNodeWebGpu()}`);
await selectBackend(['webgpu']);
const results = [];
for (const id of values.cases.split(',')) {
  const c = CASES.find((k) => k.id === id);
  if (!c || c.model === 'small-resnet') throw new Error(`--cases: '${id}' is not an MNIST-shaped case of bench/cases.ts`);
  const batches = Math.max(20, Math.floor(Number(values.items) / c.batch));
  const data = mnistShaped(batches * c.batch, SEED);
  const dirs: string[] = [];
  const makeStore = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-steady-'));
    dirs.push(dir);
    return new DirectoryStore(dir);
  };
  try {
    const input = { backend: 'webgpu', benchCase: c, data, epochs: Number(values.epochs), seed: SEED };
    // An untimed epoch first: the case's pipelines compile (its time to the first step is this
    // run's), and the GPU's clock rises from idle (it falls while the host makes the data).
    const { startup } = await runLearner({ ...input, epochs: 1 }, makeStore, 'compiled');
    const r = { ...(await runLearner(input, makeStore, 'compiled', checkpoints)), startup };
    const row = { case: c.name, batch: c.batch, batches, checkpoints, ...r };
    const saved = checkpoints
      ? `checkpoint ${(r.checkpoint.bytes / 1024).toFixed(0)} KB landed ${r.checkpoint.saveMs.toFixed(1)} ms after its epoch's end`
      : 'no checkpoints';
    console.log(
      `${c.name} b${c.batch} (${batches} steps an epoch): in-epoch ${r.inEpochMsPerStep.toFixed(4)} ms/step, first step to last epoch's end ${r.steadyMsPerStep.toFixed(4)} ms/step; ${saved}`,
    );
    if (r.startup) console.log(`    ${formatStartup(r.startup)}`);
    results.push(row);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
process.exit(0);
