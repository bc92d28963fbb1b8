import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuProfileFile } from '../../../src/cli/gpu-profiles';
import { rememberedTilings } from '../../../src/gpu/autotune';
import { kernelLimits } from '../../../src/gpu/device';
import { planModel, type ModelPlan } from '../../../src/gpu/plan';
import { applyProfile, saveProfile } from '../../../src/gpu/profile';
import { CompiledTrainer } from '../../../src/gpu/runtime';
import { createModel } from '../../../src/train/model';
import { parseOptimizerConfig } from '../../../src/train/optim';
import { anotherDevice, gpuOrSkip } from './device';

const ctx = await gpuOrSkip();
let plan: ModelPlan;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = createModel({ type: 'mlp', hidden: [11], activation: 'relu', dropout: 0 }, { inputShape: [10], outputs: 5 }, 1);
  const r = planModel(model, 'classification');
  if (!r.ok) throw new Error(r.reason);
  plan = r.plan;
  model.dispose();
});

const ADAPTER = 'test vendor | test architecture | test device | test driver';
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'kiln-profile-')), 'cache', 'gpu-profiles.json');

/** A trainer of the test's model on `device`; `tune`: search the two largest GEMMs' tilings. */
function trainer(device: GPUDevice, tune: boolean, announced: number[] = []): Promise<CompiledTrainer> {
  return CompiledTrainer.create(device, plan, {
    batchSize: 7,
    optimizer: parseOptimizerConfig({ type: 'adam' }),
    autotune: tune && { minFlops: 1000, reps: 2, budgetMs: 60000 },
    onTuning: (gemms) => announced.push(gemms),
  });
}

describe.skipIf(!ctx)('GPU profiles', () => {
  it('stores_what_a_search_settled_on_defaults_included_so_a_new_process_searches_nothing', async () => {
    const store = new GpuProfileFile(tempFile());
    const first: number[] = [];
    const a = await trainer(ctx!.device, true, first);
    expect(first).toEqual([2]);
    await saveProfile(ctx!.device, store, ADAPTER, 24);
    const file = JSON.parse(readFileSync(store.path, 'utf8'));
    expect(file).toMatchObject({ format: 'kiln.gpu-profiles', version: 1, adapters: { [ADAPTER]: { workgroups: 24 } } });
    // Both GEMMs are stored, whether their default won or not.
    expect(Object.keys(file.adapters[ADAPTER].tilings)).toHaveLength(2);
    // A fresh device (a new process) with the profile loaded: asked to tune, it times nothing and tiles as the first did.
    const device = await anotherDevice();
    expect(await applyProfile(device, kernelLimits(device), store, ADAPTER)).toBe(24);
    const later: number[] = [];
    const b = await trainer(device, true, later);
    expect(later).toEqual([]);
    expect([b.tuned!.timed, b.tuned!.remembered]).toEqual([2, 2]);
    expect([...b.tuned!.best]).toEqual([...a.tuned!.best]);
    // Not asked to tune, it still applies what was stored.
    const c = await trainer(device, false);
    expect([...c.tuned!.best]).toEqual([...a.tuned!.best]);
    for (const t of [a, b, c]) t.destroy();
  });

  it('reads_an_unreadable_file_as_nothing_stored_and_leaves_out_entries_that_do_not_fit', async () => {
    const store = new GpuProfileFile(tempFile());
    expect(await store.load(ADAPTER)).toBeNull(); // no file yet
    await store.save('other adapter', { tilings: {} });
    writeFileSync(store.path, '{ not json');
    expect(await store.load('other adapter')).toBeNull();
    const good = { tm: 32, tn: 32, tk: 8, rm: 4, rn: 4, splitK: 1 };
    await store.save(ADAPTER, {
      tilings: { '00000000000001': good, '00000000000002': { ...good, tm: 'x' }, '00000000000003': { ...good, rm: 1, rn: 1, tm: 64, tn: 64 }, short: good },
    } as never);
    const device = await anotherDevice();
    await applyProfile(device, kernelLimits(device), store, ADAPTER);
    // Only the tiling that is one and fits (64 × 64 threads is past every device's limit) is kept.
    expect([...rememberedTilings(device)]).toEqual([['00000000000001', good]]);
  });
});
