import { describe, expect, it } from 'vitest';
import { SchedulerConfigSchema, createScheduler, lrAt, parseSchedulerConfig, warmupCosine, type SchedulerConfigInput } from '../../src/train/schedule';

const at = (input: SchedulerConfigInput, step: number) => lrAt(parseSchedulerConfig(input), step);

describe('schedules', () => {
  it('constant gives the same rate at every step', () => {
    expect(at({ type: 'constant', lr: 0.01 }, 0)).toBe(0.01);
    expect(at({ type: 'constant', lr: 0.01 }, 12345)).toBe(0.01);
  });

  it('step decays by gamma every stepSize steps', () => {
    const c = { type: 'step', lr: 1, stepSize: 10, gamma: 0.5 } as const;
    expect(at(c, 0)).toBe(1);
    expect(at(c, 9)).toBe(1);
    expect(at(c, 10)).toBe(0.5);
    expect(at(c, 25)).toBe(0.25);
    expect(at({ type: 'step', lr: 1, stepSize: 3 }, 3)).toBeCloseTo(0.1, 12);
  });

  it('exponential multiplies by gamma each step', () => {
    const c = { type: 'exponential', lr: 0.1, gamma: 0.9 } as const;
    expect(at(c, 0)).toBe(0.1);
    expect(at(c, 1)).toBeCloseTo(0.09, 12);
    expect(at(c, 3)).toBeCloseTo(0.1 * 0.729, 12);
  });

  it('cosine goes from lr to minLr over steps, then stays', () => {
    const c = { type: 'cosine', lr: 1, minLr: 0.1, steps: 100 } as const;
    expect(at(c, 0)).toBe(1);
    expect(at(c, 50)).toBeCloseTo(0.55, 12);
    expect(at(c, 25)).toBeCloseTo(0.1 + (0.9 * (1 + Math.SQRT1_2)) / 2, 12);
    expect(at(c, 100)).toBeCloseTo(0.1, 12);
    expect(at(c, 500)).toBeCloseTo(0.1, 12);
    expect(at({ type: 'cosine', lr: 1, steps: 10 }, 10)).toBeCloseTo(0, 12);
  });

  it('linear interpolates from `from` to `to`, then holds', () => {
    const warm = { type: 'linear', from: 0, to: 0.1, steps: 4 } as const;
    expect(at(warm, 0)).toBe(0);
    expect(at(warm, 1)).toBeCloseTo(0.025, 12);
    expect(at(warm, 4)).toBeCloseTo(0.1, 12);
    expect(at(warm, 40)).toBeCloseTo(0.1, 12);
    expect(at({ type: 'linear', from: 1, to: 0.5, steps: 10 }, 5)).toBeCloseTo(0.75, 12);
  });

  it('noam rises during warm-up and decays as 1/sqrt(step) after', () => {
    const c = { type: 'noam', warmupSteps: 4000, modelSize: 512 } as const;
    const scale = 512 ** -0.5;
    expect(at(c, 0)).toBeCloseTo(scale * 4000 ** -1.5, 15);
    expect(at(c, 999)).toBeCloseTo(scale * 1000 * 4000 ** -1.5, 15);
    // The peak is at n = warmupSteps, where both branches meet.
    expect(at(c, 3999)).toBeCloseTo(scale * 4000 ** -0.5, 15);
    expect(at(c, 15999)).toBeCloseTo(scale * 16000 ** -0.5, 15);
    expect(at({ ...c, factor: 2 }, 15999)).toBeCloseTo(2 * scale * 16000 ** -0.5, 15);
  });

  it('sequence runs each part from its own step 0 and the last part forever', () => {
    const c: SchedulerConfigInput = {
      type: 'sequence',
      parts: [
        { schedule: { type: 'constant', lr: 0.5 }, steps: 3 },
        { schedule: { type: 'exponential', lr: 1, gamma: 0.5 }, steps: 2 },
        { schedule: { type: 'linear', from: 0.2, to: 0.1, steps: 10 }, steps: 1 },
      ],
    };
    expect([0, 1, 2].map((s) => at(c, s))).toEqual([0.5, 0.5, 0.5]);
    expect(at(c, 3)).toBe(1);
    expect(at(c, 4)).toBe(0.5);
    expect(at(c, 5)).toBeCloseTo(0.2, 12);
    expect(at(c, 10)).toBeCloseTo(0.15, 12);
    expect(at(c, 1000)).toBeCloseTo(0.1, 12);
  });

  it('warmupCosine warms up linearly, peaks at warmupSteps and reaches minLr at totalSteps', () => {
    const c = warmupCosine({ lr: 0.1, warmupSteps: 10, totalSteps: 110, minLr: 0.001 });
    expect(c.type).toBe('sequence');
    expect(lrAt(c, 0)).toBe(0);
    expect(lrAt(c, 5)).toBeCloseTo(0.05, 12);
    expect(lrAt(c, 9)).toBeCloseTo(0.09, 12);
    expect(lrAt(c, 10)).toBeCloseTo(0.1, 12);
    expect(lrAt(c, 60)).toBeCloseTo(0.001 + 0.099 / 2, 12);
    expect(lrAt(c, 110)).toBeCloseTo(0.001, 12);
    expect(lrAt(c, 10_000)).toBeCloseTo(0.001, 12);
  });

  it('warmupCosine honours warmupFrom and allows no warm-up', () => {
    expect(lrAt(warmupCosine({ lr: 0.1, warmupSteps: 4, totalSteps: 8, warmupFrom: 0.02 }), 0)).toBe(0.02);
    const none = warmupCosine({ lr: 0.1, warmupSteps: 0, totalSteps: 8 });
    expect(none.parts).toHaveLength(1);
    expect(lrAt(none, 0)).toBe(0.1);
    expect(() => warmupCosine({ lr: 0.1, warmupSteps: 8, totalSteps: 8 })).toThrow('must exceed warmupSteps');
  });

  it('lrAt rejects negative or fractional steps', () => {
    const c = parseSchedulerConfig({ type: 'constant', lr: 1 });
    expect(() => lrAt(c, -1)).toThrow('whole number >= 0');
    expect(() => lrAt(c, 1.5)).toThrow('whole number >= 0');
  });
});

describe('scheduler', () => {
  it('createScheduler(0.01) is constant', () => {
    const s = createScheduler(0.01);
    expect(s.config).toEqual({ type: 'constant', lr: 0.01 });
    expect([s.next(), s.next(), s.next()]).toEqual([0.01, 0.01, 0.01]);
  });

  it('next returns the current rate, then advances', () => {
    const s = createScheduler({ type: 'exponential', lr: 1, gamma: 0.5 });
    expect(s.current()).toBe(1);
    expect(s.next()).toBe(1);
    expect(s.step).toBe(1);
    expect(s.current()).toBe(0.5);
    expect(s.next()).toBe(0.5);
    expect(s.next()).toBe(0.25);
    expect(s.step).toBe(3);
  });

  it('save and load round trip continues where it stopped', () => {
    const config = warmupCosine({ lr: 0.1, warmupSteps: 3, totalSteps: 20 });
    const a = createScheduler(config);
    for (let i = 0; i < 7; i++) a.next();
    const record = JSON.parse(JSON.stringify(a.save()));
    const b = createScheduler(config);
    b.load(record);
    expect(b.step).toBe(7);
    expect(b.next()).toBe(a.next());
    expect(b.next()).toBe(a.next());
  });

  it('load accepts a record whose config keys come in another order', () => {
    const s = createScheduler({ type: 'cosine', lr: 1, steps: 10 });
    s.load({ config: { steps: 10, minLr: 0, lr: 1, type: 'cosine' }, step: 4 });
    expect(s.step).toBe(4);
  });

  it('load of a record for another schedule throws naming both', () => {
    const s = createScheduler({ type: 'cosine', lr: 1, steps: 10 });
    const other = createScheduler({ type: 'cosine', lr: 1, steps: 20 }).save();
    expect(() => s.load(other)).toThrow(
      'scheduler record is for schedule {"lr":1,"minLr":0,"steps":20,"type":"cosine"}, this scheduler is {"lr":1,"minLr":0,"steps":10,"type":"cosine"}',
    );
    expect(s.step).toBe(0);
  });
});

describe('schedule config', () => {
  it('fills defaults', () => {
    expect(SchedulerConfigSchema.parse({ type: 'step', lr: 1, stepSize: 5 })).toEqual({
      type: 'step',
      lr: 1,
      stepSize: 5,
      gamma: 0.1,
    });
    expect(SchedulerConfigSchema.parse({ type: 'noam', warmupSteps: 10, modelSize: 64 })).toMatchObject({ factor: 1 });
  });

  it('rejects a negative lr with a readable message', () => {
    const r = SchedulerConfigSchema.safeParse({ type: 'constant', lr: -0.1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toBe('lr must be > 0');
    expect(() => createScheduler(-0.1)).toThrow(/invalid learning-rate schedule:\n.*lr must be > 0/);
  });

  it('rejects zero or fractional steps, non-positive gamma and unknown types', () => {
    expect(() => createScheduler({ type: 'cosine', lr: 1, steps: 0 })).toThrow('steps must be >= 1');
    expect(() => createScheduler({ type: 'linear', from: 0, to: 1, steps: 2.5 })).toThrow('steps must be a whole number');
    expect(() => createScheduler({ type: 'exponential', lr: 1, gamma: 0 })).toThrow('gamma must be > 0');
    expect(() => createScheduler({ type: 'warmup' } as unknown as SchedulerConfigInput)).toThrow('Invalid discriminator');
  });

  it('rejects a sequence inside a sequence and an empty sequence', () => {
    const nested = {
      type: 'sequence',
      parts: [{ schedule: { type: 'sequence', parts: [] }, steps: 1 }],
    } as unknown as SchedulerConfigInput;
    expect(() => createScheduler(nested)).toThrow('invalid learning-rate schedule');
    expect(() => createScheduler({ type: 'sequence', parts: [] })).toThrow('a sequence needs at least one part');
  });
});
