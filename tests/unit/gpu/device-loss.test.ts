import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CompiledStepEngine } from '../../../src/gpu/engine';
import { registerNodeWebGpu } from '../../../src/cli/webgpu-node';
import { compiledWebGpu } from '../../../src/gpu/factory';
import { tfjsStep } from '../../../src/train/step/tfjs';
import { MemoryStore } from '../../../src/store/memory';
import { LearnerBuilder } from '../../../src/train/learner/builder';
import { LossMetric } from '../../../src/train/metric';
import { NoopRenderer } from '../../../src/train/renderer/console';
import { blobs, loader, smallModel } from '../fixtures';

// In a file of its own: the test destroys tfjs's WebGPU device, which nothing in this process can use afterwards.
let skip = '';
beforeAll(async () => {
  await registerNodeWebGpu().catch((e: Error) => (skip = e.message));
  await tf.setBackend('cpu');
});

describe('the compiled engine when the device is lost', () => {
  it('stops_the_fit_with_an_error_naming_the_loss_and_the_run_resumes_from_its_last_checkpoint', async () => {
    if (skip) return;
    const store = new MemoryStore();
    const data = blobs(64, 3);
    const builder = () => new LearnerBuilder(store).metricTrainNumeric(new LossMetric()).withFileCheckpointer().numEpochs(3);
    // The device goes as epoch 3 starts: epoch 2's state was being read (as it ended, while epoch 3 trains).
    const begin = CompiledStepEngine.prototype.beginEpoch;
    const losing = vi.spyOn(CompiledStepEngine.prototype, 'beginEpoch').mockImplementation(function (this: CompiledStepEngine, split, loader, epoch) {
      if (epoch === 3) (tf.backend() as unknown as { device: GPUDevice }).device.destroy();
      return begin.call(this, split, loader, epoch);
    });
    const fit = builder()
      .renderer(new NoopRenderer())
      .devices(['webgpu'])
      .engines([compiledWebGpu(), tfjsStep()])
      .engine('compiled')
      .build(smallModel(2), { type: 'adam' }, 0.01)
      .fit(loader(data, 16, 1), loader(data, 16));
    await expect(fit).rejects.toThrow(/the WebGPU device was lost \(destroyed: .*\); the run can resume from its last checkpoint/);
    losing.mockRestore();
    // Epoch 2 is checkpointed only where its state came back before the loss was told (a lost
    // device may hand back zeros). Whatever is there is whole, and epoch 3 is not there.
    const files = await store.list('checkpoint/');
    const epochs = [...new Set(files.map((p) => Number(/-(\d+)\.mpk\.gz$/.exec(p)![1])))].sort();
    expect([[1], [1, 2]]).toContainEqual(epochs);
    for (const n of epochs) for (const kind of ['model', 'optim', 'scheduler']) expect(files).toContain(`checkpoint/${kind}-${n}.mpk.gz`);
    const resumed = await builder()
      .renderer(new NoopRenderer())
      .devices(['cpu'])
      .engines([tfjsStep()])
      .checkpoint(epochs.at(-1)!)
      .build(smallModel(2), { type: 'adam' }, 0.01)
      .fit(loader(data, 16, 1), loader(data, 16));
    expect(resumed.reason).toBe('completed');
    expect(await store.read('checkpoint/model-3.mpk.gz')).toBeTruthy();
    resumed.model.dispose();
  });
});
