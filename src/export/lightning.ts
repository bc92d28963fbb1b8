import { encodeDataset } from '../data/stored';
import { type LoadedModel, type MnistSource, runSplit } from '../infer/load';
import { DATASET_FILES, readModelSource } from '../recipe/run-files';
import type { ArtifactStore } from '../store/base';
import { paramIdOf } from '../train/checkpoint/burn/param-id';
import { burnShape, paramsByName } from '../train/checkpoint/burn/layout';
import { modelItemTemplate } from '../train/checkpoint/burn/model';
import { LearnerCheckpointer } from '../train/checkpoint/learner';
import { KeepLastNCheckpoints } from '../train/checkpoint/strategy/last-n';
import { burnLayoutOf } from '../train/model/burn-layout';
import { describeModel, outputsProbabilities } from '../train/model/layers';
import type { ExportFile } from './base';
import { modelPy } from './model-py';
import { type SafeTensor, safetensors, torchMetadata, torchStateDict } from './safetensors';
import { torchPlan, toTorch } from './torch-modules';

/** The version of the project's `run.json` this code writes. */
export const LIGHTNING_RUN_VERSION = 1;

/** PyTorch's name of each of Kiln's optimizer slots (Adam's `m` is `exp_avg`...). */
const TORCH_SLOTS: { readonly [slot: string]: string } = {
  m: 'exp_avg',
  v: 'exp_avg_sq',
  momentum: 'momentum_buffer',
  ms: 'square_avg',
  mg: 'grad_avg',
};

/** How the run's loss reads the model's outputs (src/train/model/layers.ts: classification, regression). */
function lossKind(loaded: LoadedModel): string {
  if (loaded.output.task === 'regression') return 'mse';
  const given = outputsProbabilities(loaded.model);
  if (loaded.model.outputs[0].shape.at(-1) === 1) return given ? 'binary_probability' : 'binary_logit';
  return given ? 'probabilities' : 'logits';
}

/** The project's README: what it is, the three commands, and what differs from Kiln. */
function readme(name: string, epoch: number, remaining: number, table: boolean): string {
  return `# ${name}: continue from epoch ${epoch} on PyTorch Lightning

This folder continues the Kiln run \`${name}\` from its checkpoint ${epoch}: the same model and weights
(\`model.py\`, \`model.safetensors\`), optimizer state (\`optimizer.safetensors\`: moments and step count),
learning-rate schedule (from the checkpoint's step), loss, metrics, data split and batch order
(\`data.py\`). It writes a Kiln run into \`run/\` as it trains — \`experiment.log\`, the metric logs and a
checkpoint after every epoch, in Kiln's formats — so that \`run/\`, zipped, opens in Kiln's studio
(Runs → Import) beside the original run, and resumes there. Lightning's own checkpoints go to
\`checkpoints/\`.

Needs Python 3.9+ with \`torch\`, \`lightning\` (or \`pytorch_lightning\`), \`safetensors\` and \`numpy\`.

## Run it

\`\`\`sh
python train.py --devices 1                          # one GPU (or the CPU without one)
python train.py --devices -1                         # every GPU of this machine (DDP)
torchrun --nnodes 2 --nproc-per-node 8 --node-rank R --master-addr HOST train.py --devices 8 --num-nodes 2
\`\`\`

The last runs on several machines (the same command on each, \`R\` its rank); under SLURM,
\`srun python train.py --devices 8 --num-nodes 2\` in a batch script with
\`--ntasks-per-node=8\` does the same (Lightning reads SLURM's variables).

Flags: \`--epochs N\` (default ${remaining}: the epochs the run had left, at least 1), \`--devices\`, \`--num-nodes\`,
\`--strategy\` (Lightning's; \`auto\` is DDP on more than one device), \`--precision\` (\`32-true\`
default, as Kiln trains; \`bf16-mixed\`, \`16-mixed\`)${
    table
      ? ", `--data PATH`: a larger copy of the run's table (CSV/TSV), split, shuffled and standardized as the run's (the training split's statistics of the run, so the weights keep their meaning)."
      : '. This run trains on images: it continues on its stored split (`--data` reads a larger copy of a table, for runs on tables).'
  }

## What to know

- On one device the first epoch's per-iteration losses equal Kiln's continuing the same checkpoint,
  within float32 rounding: the batches come in Kiln's order, gradient accumulation averages over items
  as Kiln does, the optimizer is PyTorch's with the same semantics. On several devices every batch of
  the run's size is split across them and the gradients averaged over its items: the same training, a
  batch's work shared.
- Dropout masks are PyTorch's, not Kiln's. Batch normalization's running variance is updated with
  the unbiased batch variance (PyTorch), where Kiln uses the biased one.
- Tested with torch 2.11.0 (CUDA 13.0) and Lightning 2.6.6 on an NVIDIA H200 (one GPU, and DDP of two
  processes), where the continuation's per-iteration losses were Kiln's within 2e-7; and its Python
  with torch 1.13 on a CPU.
`;
}

/**
 * The Lightning project that continues a run from a checkpoint: \`model.py\` and the weights
 * (the safetensors export), the optimizer state in PyTorch's layout, the run's data split, \`run.json\`
 * (everything of the run the Python reads: config, schedule, progress, where each weight goes in
 * Kiln's records), the static Python (\`sources\`), and a README.
 */
export async function lightningExport(
  loaded: LoadedModel,
  run: string,
  store: ArtifactStore,
  mnist: MnistSource,
  sources: ReadonlyMap<string, string>,
): Promise<ExportFile[]> {
  const plan = torchPlan(loaded.model);
  const records = await new LearnerCheckpointer(store, new KeepLastNCheckpoints(1)).load(loaded.epoch);
  const source = await readModelSource(store);
  const config = JSON.parse(new TextDecoder().decode((await store.read('config.json'))!)) as { epochs: number };
  const layout = burnLayoutOf(loaded.model);
  const places = paramsByName(layout);
  const byName = new Map(plan.places.map((p) => [p.name, p]));

  // Optimizer slots, slot i of weight i, each in its weight's PyTorch layout.
  const slots: SafeTensor[] = [];
  for (const [slot, tensors] of Object.entries(records.optim.slots)) {
    tensors.forEach((t) => {
      const place = byName.get(t.name)!;
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      slots.push({ name: `${place.key}.${TORCH_SLOTS[slot]}`, dtype: 'F32', shape: place.shape, data: toTorch(place, bytes, t.shape) });
    });
  }
  const data =
    source.dataset.type === 'mnist'
      ? [{ path: 'data/data.mpk.gz', data: encodeDataset(await runSplit(source, store, mnist)) }]
      : [DATASET_FILES.data, DATASET_FILES.meta].map(async (p) => ({ path: `data/${p.split('/')[1]}`, data: (await store.read(p))! }));
  const names = (list: readonly { originalName: string }[]) => list.map((w) => places.get(w.originalName)!);
  const weights = Object.fromEntries(
    loaded.model.weights.map((w) => {
      const p = byName.get(w.originalName)!;
      return [w.originalName, { id: paramIdOf(w.originalName), key: p.key, layout: p.layout, shape: burnShape(p.burn, w.shape as number[]) }];
    }),
  );
  const runJson = {
    format: 'kiln.lightning',
    version: LIGHTNING_RUN_VERSION,
    name: run,
    checkpoint: loaded.epoch,
    config,
    task: loaded.output.task,
    classNames: loaded.output.task === 'classification' ? loaded.output.classNames : undefined,
    loss: lossKind(loaded),
    maeScale: loaded.output.task === 'regression' ? loaded.output.scale : 1,
    inputShape: plan.inputShape,
    image: loaded.input.kind === 'image' ? loaded.input.image : undefined,
    preprocessing: loaded.input.kind === 'table' ? loaded.input.preprocessing : undefined,
    describe: describeModel(loaded.model),
    optimizer: { type: records.optim.type, config: records.optim.config, step: records.optim.step },
    schedule: records.scheduler.config,
    scheduleStep: records.scheduler.step,
    progress: records.progress,
    weights,
    params: names(loaded.model.trainableWeights),
    state: names(loaded.model.nonTrainableWeights),
    item: modelItemTemplate(layout, new Set(loaded.model.weights.map((w) => w.originalName))),
  };
  const text = new TextEncoder();
  const remaining = Math.max(1, config.epochs - loaded.epoch);
  return [
    { path: 'model.py', data: text.encode(modelPy(plan, loaded, { name: run, epoch: loaded.epoch, weights: 'model.safetensors' })) },
    { path: 'model.safetensors', data: safetensors(await torchStateDict(plan, loaded), torchMetadata(loaded, plan, run)) },
    { path: 'optimizer.safetensors', data: safetensors(slots, { format: 'pt', step: String(records.optim.step) }) },
    ...(await Promise.all(data)),
    { path: 'run.json', data: text.encode(JSON.stringify(runJson, null, 2)) },
    ...[...sources].map(([path, source]) => ({ path, data: text.encode(source) })),
    { path: 'README.md', data: text.encode(readme(run, loaded.epoch, remaining, loaded.input.kind === 'table')) },
  ];
}
