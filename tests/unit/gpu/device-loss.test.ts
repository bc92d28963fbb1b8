import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
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

/** Loses the device right after the first checkpoint is saved. */
class LosingRenderer extends NoopRenderer {
  checkpoint(epoch: number, action: 'saved' | 'deleted'): void {
    if (epoch === 1 && action === 'saved') (tf.backend() as unknown as { device: GPUDevice }).device.destroy();
  }
}

describe('the compiled engine when the device is lost', () => {
  it('stops_the_fit_with_an_error_naming_the_loss_and_keeps_the_last_checkpoint', async () => {
    if (skip) return;
    const store = new MemoryStore();
    const data = blobs(64, 3);
    const fit = new LearnerBuilder(store)
      .metricTrainNumeric(new LossMetric())
      .renderer(new LosingRenderer())
      .withFileCheckpointer()
      .numEpochs(3)
      .devices(['webgpu'])
      .engines([compiledWebGpu(), tfjsStep()])
      .engine('compiled')
      .build(smallModel(2), { type: 'adam' }, 0.01)
      .fit(loader(data, 16, 1), loader(data, 16));
    await expect(fit).rejects.toThrow(/the WebGPU device was lost \(destroyed: .*\); the run can resume from its last checkpoint/);
    expect(await store.read('checkpoint/model-1.mpk.gz')).toBeTruthy();
    expect(await store.read('checkpoint/model-2.mpk.gz')).toBeFalsy();
  });
});
