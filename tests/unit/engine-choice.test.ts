import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readText } from '../../src/store/base';
import { MemoryStore } from '../../src/store/memory';
import { LearnerBuilder } from '../../src/train/learner/builder';
import type { EngineChoice } from '../../src/train/learner/engine';
import { LossMetric } from '../../src/train/metric/loss';
import { NoopRenderer } from '../../src/train/renderer/console';
import type { StepEngineFactory } from '../../src/train/step/factory';
import { tfjsStep } from '../../src/train/step/tfjs';
import { blobs, loader, smallModel } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A factory that never builds, saying `reason`. */
const refusing = (name: string, reason: string, warn?: boolean): StepEngineFactory => ({ name, create: async () => ({ reason, warn }) });

/** One epoch on cpu with these engines and choice; resolves to the experiment log's engine line and what the renderer was told. */
async function engineLine(engines: readonly StepEngineFactory[] | null, choice: EngineChoice = 'auto') {
  const store = new MemoryStore();
  const told: string[] = [];
  const renderer = Object.assign(new NoopRenderer(), { engine: (name: string, why: string) => void told.push(`${name} (${why})`) });
  const builder = new LearnerBuilder(store).metricTrainNumeric(new LossMetric()).renderer(renderer).devices(['cpu']).engine(choice);
  if (engines) builder.engines(engines);
  const result = await builder.build(smallModel(), { type: 'sgd' }, 0.1).fit(loader(blobs(16), 8), loader(blobs(8, 2), 8));
  result.model.dispose();
  const line = ((await readText(store, 'experiment.log')) ?? '').split('\n').find((l) => l.includes('engine '));
  return { line, told };
}

describe('choosing the step engine', () => {
  it('trains_on_the_tfjs_step_when_the_library_is_used_alone', async () => {
    const { line, told } = await engineLine(null);
    expect(line).toMatch(/INFO.*backend cpu, engine tfjs \(the only engine registered\)$/);
    expect(told).toEqual(['tfjs (the only engine registered)']);
  });

  it('says_why_the_engines_before_the_one_that_trains_refused', async () => {
    const { line, told } = await engineLine([refusing('compiled', 'the compiled step runs on webgpu; this run is on cpu'), tfjsStep()]);
    expect(line).toMatch(/INFO.*engine tfjs \(the compiled step runs on webgpu; this run is on cpu\)$/);
    expect(told).toEqual(['tfjs (the compiled step runs on webgpu; this run is on cpu)']);
  });

  it('warns_when_the_engine_asked_for_refuses_or_a_refusal_asks_for_it', async () => {
    expect((await engineLine([refusing('compiled', 'not compiled: layer lstm'), tfjsStep()], 'compiled')).line).toMatch(
      /WARN.*engine tfjs \(not compiled: layer lstm\)$/,
    );
    expect((await engineLine([refusing('compiled', 'compiling the step failed: boom', true), tfjsStep()])).line).toMatch(
      /WARN.*engine tfjs \(compiling the step failed: boom\)$/,
    );
    expect((await engineLine(null, 'compiled')).line).toMatch(/WARN.*engine tfjs \(no compiled engine is registered\)$/);
  });

  it('runs_the_tfjs_step_without_asking_the_others_when_it_is_chosen', async () => {
    let asked = 0;
    const counting: StepEngineFactory = { name: 'compiled', create: async () => (asked++, { reason: 'never' }) };
    expect((await engineLine([counting, tfjsStep()], 'tfjs')).line).toMatch(/INFO.*engine tfjs \(chosen\)$/);
    expect(asked).toBe(0);
  });

  it('fails_the_fit_naming_every_refusal_when_no_engine_builds', async () => {
    await expect(engineLine([refusing('compiled', 'no GPU here')])).rejects.toThrow('no step engine can train this run: no GPU here');
  });
});
