import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSourceWorker, type SourceWorker } from '../../scripts/source-worker';
import { CASES, type Agreement } from '../unit/gpu/equivalence-cases';

// The compiled step against the tfjs cpu step in Chromium's WebGPU (SwiftShader here), from the
// same cases the Node tests run on Dawn's OpenGL ES: a second WebGPU implementation and compiler.
// One test per case, each in the same worker and on the same device.
describe('compiled step in chromium', () => {
  let page: SourceWorker;
  beforeAll(async () => {
    page = await openSourceWorker(true, ['@tensorflow/tfjs']);
  });
  afterAll(() => page?.close());

  for (const { name } of CASES) {
    it(`agrees_with_the_tfjs_step_after_20_steps: ${name}`, async () => {
      const r = await page.worker.evaluate(
        async ([origin, name]) => {
          const load = new Function('url', 'return import(url)') as (url: string) => Promise<typeof import('../unit/gpu/equivalence-cases')>;
          const eq = await load(`${origin}/tests/unit/gpu/equivalence-cases.ts`);
          const held = globalThis as { testDevice?: GPUDevice };
          if (!held.testDevice) {
            const adapter = await navigator.gpu?.requestAdapter();
            if (!adapter) throw new Error('no WebGPU adapter in this chromium');
            held.testDevice = await adapter.requestDevice();
          }
          return eq.compareCase(held.testDevice, eq.CASES.find((c) => c.name === name)!);
        },
        [page.origin, name] as const,
      );
      check(name, r);
    });
  }
});

/** The bar the Node tests hold: losses, weights, moving statistics, validation and optimizer state within 1e-4. */
function check(name: string, r: Agreement): void {
  expect(r.loss, name).toBeLessThan(1e-4);
  for (const w of r.weights) {
    expect(w.moved, `${name}: ${w.name} moved`).toBeGreaterThan(1e-4);
    expect(w.error, `${name}: ${w.name}`).toBeLessThan(1e-4);
  }
  for (const w of r.state) {
    expect(w.moved, `${name}: ${w.name} moved`).toBeGreaterThan(1e-4);
    expect(w.error, `${name}: ${w.name}`).toBeLessThan(1e-4);
  }
  expect(r.validLoss, `${name}: validation loss`).toBeLessThan(1e-4);
  expect(r.optimizerStep.gpu, name).toBe(r.optimizerStep.tfjs);
  expect(r.slotMismatch, name).toEqual([]);
  for (const s of r.slots) expect(s.error, `${name}: slot ${s.name}`).toBeLessThan(1e-4);
}
