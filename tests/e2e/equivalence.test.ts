import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSourceWorker, type SourceWorker } from '../../scripts/source-worker';
import type { Agreement } from '../unit/gpu/equivalence-cases';

// The compiled step against the tfjs cpu step in Chromium's WebGPU (SwiftShader here), from the
// same cases the Node tests run on Dawn's OpenGL ES: a second WebGPU implementation and compiler.
describe('compiled step in chromium', () => {
  let page: SourceWorker;
  let cases: string[] = [];
  beforeAll(async () => {
    page = await openSourceWorker(true, ['@tensorflow/tfjs']);
    cases = await page.worker.evaluate(async (origin) => {
      const load = new Function('url', 'return import(url)') as (url: string) => Promise<typeof import('../unit/gpu/equivalence-cases')>;
      return (await load(`${origin}/tests/unit/gpu/equivalence-cases.ts`)).CASES.map((c) => c.name);
    }, page.origin);
  });
  afterAll(() => page?.close());

  it('agrees_with_the_tfjs_step_after_20_steps_for_every_case', async () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const results = await page.worker.evaluate(async (origin) => {
      const load = new Function('url', 'return import(url)') as (url: string) => Promise<typeof import('../unit/gpu/equivalence-cases')>;
      const eq = await load(`${origin}/tests/unit/gpu/equivalence-cases.ts`);
      const adapter = await navigator.gpu?.requestAdapter();
      if (!adapter) throw new Error('no WebGPU adapter in this chromium');
      const device = await adapter.requestDevice();
      const out: Record<string, Agreement> = {};
      for (const c of eq.CASES) out[c.name] = await eq.compareCase(device, c);
      device.destroy();
      return out;
    }, page.origin);
    for (const name of cases) {
      const r = results[name];
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
  });
});
